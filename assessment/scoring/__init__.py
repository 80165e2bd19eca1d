"""Item response theory engine: pure numpy/scipy/pandas, no web framework, no database.

Orientation everywhere: responses are ``(n_persons, n_items)`` with NaN for a not-administered
item; item parameters are an :class:`ItemParameters` aligned with the columns.

Modules: ``parameters`` (the item bank record), ``response_models`` (probabilities, information),
``estimation`` (EAP/MAP/MLE), ``scale`` (1-300 scores and bands), ``diagnosis`` (skill
strengths and weaknesses), ``selection`` (adaptive delivery and stopping), ``calibration``
(MML-EM) with ``standard_errors``, ``fit`` and ``model_fit`` (S-X2, M2), and ``simulation`` (synthetic data, CAT).
"""
from assessment.scoring.calibration import CalibrationResult, SparseResponses, calibrate, marginal_log_likelihood
from assessment.scoring.diagnosis import SkillDiagnosis, diagnose_skills
from assessment.scoring.estimation import AbilityEstimate, estimate_ability
from assessment.scoring.fit import item_fit, reliability
from assessment.scoring.parameters import MODELS, ItemParameters
from assessment.scoring.precision import read_exposure
from assessment.scoring.response_models import (
                                            category_probabilities,
                                            check_responses,
                                            expected_score,
                                            gpcm_information,
                                            gpcm_probabilities,
                                            info_3pl,
                                            item_information,
                                            log_category_probabilities,
                                            log_likelihood,
                                            prob_3pl,
                                            test_information,
)
from assessment.scoring.scale import BANDS, ScaledScore, band_of, scale_score, to_scale
from assessment.scoring.selection import (
                                            OPENING_SHARE,
                                            SkillMap,
                                            next_fixed_item,
                                            select_next_item,
                                            should_stop,
                                            skill_shares,
)
from assessment.scoring.simulation import (
                                            CatSimulation,
                                            simulate_bank,
                                            simulate_cat,
                                            simulate_multistage,
                                            simulate_responses,
)

__all__ = [
    "MODELS", "BANDS",
    "ItemParameters", "AbilityEstimate", "ScaledScore", "SkillDiagnosis", "SkillMap",
    "prob_3pl", "info_3pl", "gpcm_probabilities", "gpcm_information",
    "category_probabilities", "log_category_probabilities", "expected_score",
    "item_information", "test_information", "log_likelihood", "check_responses",
    "estimate_ability", "scale_score", "to_scale", "band_of", "diagnose_skills",
    "select_next_item", "next_fixed_item", "should_stop", "skill_shares", "read_exposure", "OPENING_SHARE",
    "calibrate", "CalibrationResult", "SparseResponses", "marginal_log_likelihood", "item_fit", "reliability",
    "simulate_bank", "simulate_responses", "simulate_multistage", "simulate_cat", "CatSimulation",
]
