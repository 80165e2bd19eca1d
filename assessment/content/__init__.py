"""The item bank on disk (sections/) -> validated, frozen specs. No Flask, no database."""
from assessment.content.loader import load_bank, validate_bank
from assessment.content.problems import BankError, Problem
from assessment.content.specs import Bank, ItemSpec, OptionSpec, ResourceSpec, RoleSpec, SectionSpec, SkillSpec

__all__ = [
    "Bank", "BankError", "ItemSpec", "OptionSpec", "Problem", "ResourceSpec", "RoleSpec",
    "SectionSpec", "SkillSpec", "load_bank", "validate_bank",
]
