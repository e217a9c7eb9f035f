//! Organization vetting by the CA's staff (S/MIME BR 3.2.3.2.1 and 3.2.3.3): what a CA administrator records
//! and the rules it must pass, and where an organization's vetting stands.
//!
//! An organization is validated only by a [`Decision::Validated`] a CA administrator records: the independent
//! source consulted (a government register or the GLEIF: its name, the URL or reference, the registration number
//! found there) and the verification call (the number called, where that number was found, who answered, when).
//! The emailed code confirms only that a contact speaks for the organization; it validates nothing.
//!
//! [`VettingForm::check`] gives every refusal at once, each naming its field:
//! - blank or over-long fields (`value_blank`, `value_too_long`), invisible characters (`value_invisible_character`);
//! - a source reference that is a URL but not `https://` (`source_url_not_https`);
//! - a call in the future (`call_in_future`) or before the organization asked to be vetted
//!   (`call_before_application`);
//! - a registration number found that is not the organization's stated identifier
//!   (`registration_number_mismatch`): the certificate's organizationIdentifier must be the one verified
//!   (3.2.3.3). Compared without spaces, dots, dashes and slashes, upper-cased, against the whole identifier
//!   (`NTRGB-12345678`) or its reference after the first dash (`12345678`);
//! - a rejection or a request for information without its reason or question (`value_blank` at `message`).
//!
//! A decision to validate needs every evidence field; a rejection or a request for information may come
//! without them (the register may already show the entity dissolved), but evidence given is checked the same.
//!
//! [`status`] reads an organization's records: validated until its reuse period ends, else what the latest
//! record says (waiting since the application or the applicant's latest answer; rejected with the reason;
//! more information requested with the question).

use serde::{Deserialize, Serialize};

use crate::order::FieldError;
use crate::text::check_visible;
use crate::validation::Phone;

/// Longest short field (source name, reference, registration number, number's source, who answered).
pub const FIELD_MAXIMUM_LENGTH: usize = 300;
/// Longest reason, question, answer or notes.
pub const MESSAGE_MAXIMUM_LENGTH: usize = 2000;

/// What the CA administrator decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The organization is who it says it is: validated for 825 days.
    Validated,
    /// Refused; the applicant sees the reason.
    Rejected,
    /// The applicant must answer a question before a decision.
    InformationRequested,
}

impl Decision {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validated => "validated",
            Self::Rejected => "rejected",
            Self::InformationRequested => "information_requested",
        }
    }

    /// The decision spelled `text`, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Validated, Self::Rejected, Self::InformationRequested]
            .into_iter()
            .find(|decision| decision.as_str() == text)
    }
}

/// A vetting as the CA administrator's form sends it (unchecked). The administrator's identity is never part of
/// it: the edge takes it from the session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VettingForm {
    /// The decision.
    pub decision: Option<Decision>,
    /// The independent source's name ("Companies House", "GLEIF", "Registre du commerce et des sociétés").
    #[serde(default)]
    pub source_name: String,
    /// Where in it: an `https://` URL, or a reference (an extract's number).
    #[serde(default)]
    pub source_reference: String,
    /// The registration number found there.
    #[serde(default)]
    pub registration_number: String,
    /// The number called, E.164.
    #[serde(default)]
    pub call_phone: String,
    /// Where that number was found (independent of the applicant).
    #[serde(default)]
    pub call_phone_source: String,
    /// Who answered (name and role).
    #[serde(default)]
    pub call_spoke_with: String,
    /// When the call was made (Unix seconds).
    #[serde(default)]
    pub call_at: Option<i64>,
    /// The reason (rejected) or the question (information requested) the applicant sees; optional when validated.
    #[serde(default)]
    pub message: String,
    /// Notes for the CA's staff.
    #[serde(default)]
    pub notes: String,
}

/// The evidence of a vetting, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Evidence {
    /// The independent source's name.
    pub source_name: String,
    /// The URL (`https://`) or reference.
    pub source_reference: String,
    /// The registration number found.
    pub registration_number: String,
    /// The number called.
    pub call_phone: Phone,
    /// Where that number was found.
    pub call_phone_source: String,
    /// Who answered.
    pub call_spoke_with: String,
    /// When.
    pub call_at: i64,
}

/// A [`VettingForm`] that passed [`VettingForm::check`]: trimmed, the phone normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedVetting {
    /// The decision.
    pub decision: Decision,
    /// The evidence; always present when validated.
    pub evidence: Option<Evidence>,
    /// The reason or question (may be empty when validated).
    pub message: String,
    /// Notes for the CA's staff.
    pub notes: String,
}

/// What the rules know of the organization being vetted.
#[derive(Clone, Copy, Debug)]
pub struct Applicant<'a> {
    /// Its stated registration identifier (`NTRGB-12345678`).
    pub identifier: &'a str,
    /// When it was created: the application.
    pub created_at: i64,
}

/// A registration number without the separators people type, upper-cased.
fn normalized_number(text: &str) -> String {
    text.chars()
        .filter(|character| !matches!(character, ' ' | '.' | '-' | '/' | '\t'))
        .collect::<String>()
        .to_uppercase()
}

/// Whether `found` is the `identifier` (whole, or its reference after the first dash).
pub fn registration_number_matches(identifier: &str, found: &str) -> bool {
    let found = normalized_number(found);
    let reference = identifier.split_once('-').map_or(identifier, |(_, reference)| reference);
    !found.is_empty() && (found == normalized_number(identifier) || found == normalized_number(reference))
}

/// Whether `reference` is written as a URL (a scheme and `://`).
fn looks_like_url(reference: &str) -> bool {
    let lower = reference.to_ascii_lowercase();
    lower.contains("://") || lower.starts_with("http:") || lower.starts_with("www.")
}

/// Whether `reference` is an `https://` URL with a host.
fn is_https_url(reference: &str) -> bool {
    let lower = reference.to_ascii_lowercase();
    lower.strip_prefix("https://").is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !host.contains(char::is_whitespace)
    })
}

/// Checks one text field: blank (when `required`), too long, or holding an invisible character; the trimmed text.
fn text_field(errors: &mut Vec<FieldError>, field: &str, value: &str, maximum: usize, required: bool) -> String {
    let value = value.trim();
    if value.is_empty() {
        if required {
            errors.push(FieldError::new(field, "value_blank", format!("Fill in {}.", field.replace('_', " "))));
        }
    } else if value.chars().count() > maximum {
        errors.push(FieldError::new(
            field,
            "value_too_long",
            format!("{} has more than {maximum} characters: shorten it.", field.replace('_', " ")),
        ));
    } else if let Err(invisible) = check_visible(value) {
        errors.push(FieldError::new(field, "value_invisible_character", invisible.to_string()));
    }
    value.to_owned()
}

impl VettingForm {
    /// Whether any evidence field was filled in.
    fn has_evidence(&self) -> bool {
        [&self.source_name, &self.source_reference, &self.registration_number, &self.call_phone]
            .into_iter()
            .chain([&self.call_phone_source, &self.call_spoke_with])
            .any(|value| !value.trim().is_empty())
            || self.call_at.is_some()
    }

    /// Checks every field at once against the rules of the module's documentation, at `now`.
    ///
    /// # Errors
    ///
    /// Every problem, each naming its field, in form order.
    pub fn check(&self, applicant: Applicant<'_>, now: i64) -> Result<CheckedVetting, Vec<FieldError>> {
        let mut errors = Vec::new();
        let Some(decision) = self.decision else {
            errors.push(FieldError::new(
                "decision",
                "value_blank",
                "Choose a decision: validated, rejected or information_requested.",
            ));
            return Err(errors);
        };
        let evidence_required = decision == Decision::Validated || self.has_evidence();
        let evidence = self.check_evidence(&mut errors, applicant, now, evidence_required);
        let message_required = decision != Decision::Validated;
        let message = text_field(&mut errors, "message", &self.message, MESSAGE_MAXIMUM_LENGTH, message_required);
        let notes = text_field(&mut errors, "notes", &self.notes, MESSAGE_MAXIMUM_LENGTH, false);
        if errors.is_empty() { Ok(CheckedVetting { decision, evidence, message, notes }) } else { Err(errors) }
    }

    /// The evidence fields, when `required` (else `None`); problems pushed on `errors`.
    fn check_evidence(
        &self,
        errors: &mut Vec<FieldError>,
        applicant: Applicant<'_>,
        now: i64,
        required: bool,
    ) -> Option<Evidence> {
        if !required {
            return None;
        }
        let source_name = text_field(errors, "source_name", &self.source_name, FIELD_MAXIMUM_LENGTH, true);
        let source_reference =
            text_field(errors, "source_reference", &self.source_reference, FIELD_MAXIMUM_LENGTH, true);
        if looks_like_url(&source_reference) && !is_https_url(&source_reference) {
            errors.push(FieldError::new(
                "source_reference",
                "source_url_not_https",
                "Give the source's address as an https:// URL (or a reference that is not a URL).",
            ));
        }
        let before = errors.len();
        let registration_number =
            text_field(errors, "registration_number", &self.registration_number, FIELD_MAXIMUM_LENGTH, true);
        if errors.len() == before && !registration_number_matches(applicant.identifier, &registration_number) {
            errors.push(FieldError::new(
                "registration_number",
                "registration_number_mismatch",
                format!(
                    "The number found ({registration_number}) is not the organization's stated identifier ({}): \
                     its certificates would state an identifier no one verified. Reject, or ask the applicant.",
                    applicant.identifier
                ),
            ));
        }
        let call_phone = Phone::parse(&self.call_phone)
            .map_err(|error| errors.push(FieldError::new("call_phone", error.code(), error.to_string())))
            .ok();
        let call_phone_source =
            text_field(errors, "call_phone_source", &self.call_phone_source, FIELD_MAXIMUM_LENGTH, true);
        let call_spoke_with = text_field(errors, "call_spoke_with", &self.call_spoke_with, FIELD_MAXIMUM_LENGTH, true);
        let call_at = match self.call_at {
            None => {
                errors.push(FieldError::new("call_at", "value_blank", "Give when the call was made."));
                None
            }
            Some(at) if at > now => {
                errors.push(FieldError::new(
                    "call_at",
                    "call_in_future",
                    "The call's time is in the future: give when it was made.",
                ));
                None
            }
            Some(at) if at < applicant.created_at => {
                errors.push(FieldError::new(
                    "call_at",
                    "call_before_application",
                    "The call was made before the organization asked to be vetted: call again.",
                ));
                None
            }
            Some(at) => Some(at),
        };
        Some(Evidence {
            source_name,
            source_reference,
            registration_number,
            call_phone: call_phone?,
            call_phone_source,
            call_spoke_with,
            call_at: call_at?,
        })
    }
}

/// Checks the applicant's answer to a question: not blank, at most [`MESSAGE_MAXIMUM_LENGTH`] characters, no
/// invisible character; the trimmed text.
///
/// # Errors
///
/// The problem, at `text`.
pub fn check_answer(text: &str) -> Result<String, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = text_field(&mut errors, "text", text, MESSAGE_MAXIMUM_LENGTH, true);
    if errors.is_empty() { Ok(text) } else { Err(errors) }
}

/// One of an organization's vetting records, as [`status`] reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// A CA administrator's decision.
    Decision {
        /// Which.
        decision: Decision,
        /// The reason or question.
        message: String,
        /// When it was recorded.
        at: i64,
    },
    /// The applicant's answer.
    Answer {
        /// When it was given.
        at: i64,
    },
}

impl Record {
    /// When it was recorded.
    fn at(&self) -> i64 {
        match self {
            Self::Decision { at, .. } | Self::Answer { at } => *at,
        }
    }
}

/// Where an organization's vetting stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum VettingStatus {
    /// Validated by the CA's staff; may be relied on until `until`.
    Validated {
        /// The reuse period's end.
        until: i64,
    },
    /// In the CA administrators' work list since `since`.
    Waiting {
        /// Since when (the application, the applicant's latest answer, or the end of a lapsed validation).
        since: i64,
    },
    /// Rejected; the applicant may answer, which puts it back in the work list.
    Rejected {
        /// Why, as the CA administrator wrote it.
        reason: String,
        /// When.
        at: i64,
    },
    /// The CA's staff asked a question; the applicant's answer puts it back in the work list.
    InformationRequested {
        /// The question.
        question: String,
        /// When.
        at: i64,
    },
}

/// Where an organization created at `created_at`, validated until `validated_until` (if ever), with `records`
/// (any order), stands at `now`.
pub fn status(created_at: i64, validated_until: Option<i64>, records: &[Record], now: i64) -> VettingStatus {
    if let Some(until) = validated_until.filter(|until| *until > now) {
        return VettingStatus::Validated { until };
    }
    // The latest record; on equal instants the later in the list (records are kept in the order written).
    let latest =
        records.iter().enumerate().max_by_key(|(index, record)| (record.at(), *index)).map(|(_, record)| record);
    match latest {
        None => VettingStatus::Waiting { since: created_at },
        Some(Record::Answer { at }) => VettingStatus::Waiting { since: *at },
        Some(Record::Decision { decision: Decision::Rejected, message, at }) => {
            VettingStatus::Rejected { reason: message.clone(), at: *at }
        }
        Some(Record::Decision { decision: Decision::InformationRequested, message, at }) => {
            VettingStatus::InformationRequested { question: message.clone(), at: *at }
        }
        Some(Record::Decision { decision: Decision::Validated, at, .. }) => {
            VettingStatus::Waiting { since: validated_until.unwrap_or(*at) }
        }
    }
}

#[cfg(test)]
mod tests;
