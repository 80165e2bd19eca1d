"""The OpenAPI 3.1 description of /api/v1. A test checks it against the routes the blueprint
really has (paths and methods both ways), so the two cannot drift apart."""
from assessment.services.accounts import EMAIL_PATTERN

PROBLEM = {"description": "Problem details (RFC 9457)",
           "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _errors(*codes: int) -> dict:
    return {str(c): PROBLEM for c in (401, *codes)}


def _json(ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


ID = {"type": "integer"}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def document() -> dict:
    section = {"type": "object", "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "minutes": ID, "min_items": ID, "max_items": ID,
        "cut_score": {"type": ["integer", "null"]}}}
    assessment = {"type": "object", "required": ["id", "title", "version", "mode", "sections"], "properties": {
        "id": ID, "title": {"type": "string"}, "version": ID, "mode": {"enum": ["adaptive", "fixed"]},
        "target_role": {"type": ["string", "null"]}, "overall_cut": {"type": ["integer", "null"]},
        "sections": {"type": "array", "items": section}}}
    section_score = {"type": "object", "properties": {
        "score": {"type": ["integer", "null"]}, "band": {"type": ["string", "null"]},
        "low": {"type": ["integer", "null"]}, "high": {"type": ["integer", "null"]}}}
    invitation = {"type": "object", "required": ["id", "status"], "properties": {
        "id": ID, "name": {"type": "string"}, "email": {"type": "string"},
        "status": {"enum": ["invited", "started", "in progress", "completed", "expired", "revoked"]},
        "invited_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": ["string", "null"], "format": "date-time"},
        "time_multiplier": {"type": "number"}, "overall": {"type": ["integer", "null"]},
        "percentile": {"type": ["integer", "null"]}, "passed": {"type": ["boolean", "null"]},
        "role_fit": {"type": ["object", "null"]}, "time_used_seconds": ID,
        "sections": {"type": "object", "additionalProperties": section_score},
        "integrity_signals": {"type": "object", "description": "Signals for a person to look into, not verdicts."},
        "report_url": {"type": ["string", "null"]}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Skills assessment: company API", "version": "1.0.0",
                 "description": "For applicant-tracking systems. Authenticate with `Authorization: Bearer <key>`; "
                                "a company admin creates keys in the workspace or with "
                                "`assessment company api-key NAME`. Every object is the key's company's own; "
                                "another company's id answers 404, the same as a missing one."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Problem": {"type": "object", "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": ID,
                    "detail": {"type": "string"}, "errors": {"type": "array", "items": {"type": "string"}}}},
                "Assessment": assessment,
                "AssessmentList": {"type": "object", "properties": {
                    "assessments": {"type": "array", "items": {"$ref": "#/components/schemas/Assessment"}}}},
                "Invitation": invitation,
                "InvitationList": {"type": "object", "properties": {
                    "invitations": {"type": "array", "items": {"$ref": "#/components/schemas/Invitation"}}}},
                "NewInvitation": {"type": "object", "required": ["name", "email"], "properties": {
                    "name": {"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*$"},
                    "email": {"type": "string", "maxLength": 254, "pattern": EMAIL_PATTERN},
                    "expires_days": {"type": "integer", "minimum": 1, "maximum": 180, "default": 14},
                    "time_multiplier": {"type": "number", "minimum": 1, "maximum": 4, "default": 1}}},
                "CreatedInvitation": {"type": "object", "properties": {
                    "id": ID, "name": {"type": "string"}, "email": {"type": "string"}, "status": {"type": "string"},
                    "link": {"type": "string", "description": "The candidate's link; returned only here."}}},
            },
        },
        "paths": {
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI document"}}}},
            "/assessments": {"get": {"summary": "List the company's assessments (current versions)",
                                     "responses": {"200": _json("#/components/schemas/AssessmentList", "Assessments"),
                                                   **_errors()}}},
            "/assessments/{assessment_id}": {"get": {
                "summary": "One assessment", "parameters": [_path_id("assessment_id")],
                "responses": {"200": _json("#/components/schemas/Assessment", "The assessment"), **_errors(404)}}},
            "/assessments/{assessment_id}/invitations": {
                "get": {"summary": "Invitations of an assessment with statuses and results",
                        "parameters": [_path_id("assessment_id")],
                        "responses": {"200": _json("#/components/schemas/InvitationList", "Invitations"),
                                      **_errors(404)}},
                "post": {"summary": "Invite a candidate", "parameters": [_path_id("assessment_id")],
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/NewInvitation"}}}},
                         "responses": {"201": _json("#/components/schemas/CreatedInvitation", "Invited"),
                                       **_errors(400, 404)}}},
            "/invitations/{invitation_id}": {"get": {
                "summary": "An invitation's status and results", "parameters": [_path_id("invitation_id")],
                "responses": {"200": _json("#/components/schemas/Invitation", "The invitation"), **_errors(404)}}},
            "/invitations/{invitation_id}/report.pdf": {"get": {
                "summary": "The candidate's report", "parameters": [_path_id("invitation_id")],
                "responses": {"200": {"description": "PDF", "content": {"application/pdf": {}}},
                              **_errors(404, 409)}}},
        },
    }
