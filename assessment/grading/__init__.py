"""Grading of coding items: the layered sandbox, the harness protocol, the verdict, the pool.

Heavy modules load lazily; import what you need from the submodules: ``grader.grade``,
``pool.GradingPool``, ``sandbox.Sandbox``/``SandboxConfig``, ``runtime.setup_runtime``.
A task (``assessment.content.coding.CodingTask``) comes from content/, never from here.
"""
