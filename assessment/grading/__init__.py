"""Grading of coding items: the layered sandbox, the harness protocol and the graders.

Heavy modules load lazily; import what you need from the submodules:
``grader.grade``/``GRADERS``, ``task.load_coding_task``/``validate_coding_item``,
``pool.GradingPool``, ``sandbox.Sandbox``/``SandboxConfig``, ``runtime.setup_runtime``.
"""
