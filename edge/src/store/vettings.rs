//! The `vettings` and `vetting_answers` tables (migration 0016): a CA administrator's vetting decisions on an
//! organization, with the independent source and the verification call, and the applicant's answers. Both are
//! insert only (triggers refuse UPDATE and DELETE): every record is kept. Written by `vetting.rs` (decisions and
//! answers) and the development seed; read by the vetting pages, the organization pages and the order pipeline.

use serde::{Deserialize, Deserializer};
use shared::api::vetting::{AnswerView, VettingRecordView};
use shared::vetting::{CheckedVetting, Decision, Record};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, optional_integer, text};

/// A `vettings` row.
#[derive(Clone, Debug, Deserialize)]
pub struct VettingRow {
    /// Random identifier.
    pub id: String,
    /// The organization vetted.
    pub organization_id: String,
    /// The decision (refused at the row if unknown).
    #[serde(deserialize_with = "deserialize_decision")]
    pub decision: Decision,
    /// The reason or question the applicant sees.
    pub message: String,
    /// The independent source's name.
    pub source_name: Option<String>,
    /// Its URL or reference.
    pub source_reference: Option<String>,
    /// The registration number found.
    pub registration_number: Option<String>,
    /// The number called.
    pub call_phone: Option<String>,
    /// Where that number was found.
    pub call_phone_source: Option<String>,
    /// Who answered.
    pub call_spoke_with: Option<String>,
    /// When the call was made.
    pub call_at: Option<i64>,
    /// Notes for the CA's staff.
    pub notes: String,
    /// The CA administrator's user id.
    pub recorded_by: String,
    /// Their name.
    pub recorded_by_name: String,
    /// When.
    pub recorded_at: i64,
    /// Validated: the reuse period's end.
    pub validated_until: Option<i64>,
    /// `vetting`, `call_record` or `development_seed`.
    pub origin: String,
}

/// Reads a stored decision into [`Decision`]; any other value refuses the row.
fn deserialize_decision<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decision, D::Error> {
    let spelled = String::deserialize(deserializer)?;
    Decision::parse(&spelled).ok_or_else(|| serde::de::Error::custom(format!("unknown decision {spelled:?}")))
}

/// The columns of [`VettingRow`].
const COLUMNS: &str = "id, organization_id, decision, message, source_name, source_reference, \
     registration_number, call_phone, call_phone_source, call_spoke_with, call_at, notes, recorded_by, \
     recorded_by_name, recorded_at, validated_until, origin";

impl VettingRow {
    /// As [`shared::vetting::status`] reads it.
    pub fn record(&self) -> Record {
        Record::Decision { decision: self.decision, message: self.message.clone(), at: self.recorded_at }
    }

    /// As the API shows it.
    pub fn view(&self) -> VettingRecordView {
        VettingRecordView {
            id: self.id.clone(),
            decision: self.decision,
            message: self.message.clone(),
            source_name: self.source_name.clone(),
            source_reference: self.source_reference.clone(),
            registration_number: self.registration_number.clone(),
            call_phone: self.call_phone.clone(),
            call_phone_source: self.call_phone_source.clone(),
            call_spoke_with: self.call_spoke_with.clone(),
            call_at: self.call_at,
            notes: self.notes.clone(),
            recorded_by: self.recorded_by.clone(),
            recorded_by_name: self.recorded_by_name.clone(),
            recorded_at: self.recorded_at,
            validated_until: self.validated_until,
            origin: self.origin.clone(),
        }
    }
}

/// A `vetting_answers` row.
#[derive(Clone, Debug, Deserialize)]
pub struct AnswerRow {
    /// Random identifier.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The answer.
    pub text: String,
    /// Who gave it (user id).
    pub answered_by: String,
    /// Their name.
    pub answered_by_name: String,
    /// When.
    pub answered_at: i64,
}

impl AnswerRow {
    /// As [`shared::vetting::status`] reads it.
    pub fn record(&self) -> Record {
        Record::Answer { at: self.answered_at }
    }

    /// As the API shows it.
    pub fn view(&self) -> AnswerView {
        AnswerView {
            id: self.id.clone(),
            text: self.text.clone(),
            answered_by: self.answered_by.clone(),
            answered_by_name: self.answered_by_name.clone(),
            answered_at: self.answered_at,
        }
    }
}

/// The organizations' ids as one bound JSON parameter (`json_each`).
fn ids_parameter(ids: &[String]) -> JsValue {
    text(&serde_json::Value::from(ids.to_vec()).to_string())
}

/// The vetting records of these organizations, oldest first.
pub async fn of_organizations(db: &D1Database, ids: &[String]) -> worker::Result<Vec<VettingRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM vettings WHERE organization_id IN (SELECT value FROM json_each(?1)) \
         ORDER BY recorded_at, rowid"
    ))
    .bind(&[ids_parameter(ids)])?
    .all()
    .await?
    .results()
}

/// The applicant's answers for these organizations, oldest first.
pub async fn answers_of_organizations(db: &D1Database, ids: &[String]) -> worker::Result<Vec<AnswerRow>> {
    db.prepare(
        "SELECT id, organization_id, text, answered_by, answered_by_name, answered_at FROM vetting_answers \
         WHERE organization_id IN (SELECT value FROM json_each(?1)) ORDER BY answered_at, rowid",
    )
    .bind(&[ids_parameter(ids)])?
    .all()
    .await?
    .results()
}

/// Who records a vetting: the CA administrator from the session.
pub struct Recorder<'a> {
    /// Their user id.
    pub user_id: &'a str,
    /// Their name.
    pub name: &'a str,
}

/// The statement inserting a checked vetting as record `id`, at `now`, with the reuse period's end when validated.
pub fn insert(
    db: &D1Database,
    id: &str,
    organization: (&str, &str),
    vetting: &CheckedVetting,
    recorder: &Recorder<'_>,
    now: i64,
    validated_until: Option<i64>,
) -> worker::Result<D1PreparedStatement> {
    let evidence = vetting.evidence.as_ref();
    let optional = |value: Option<&str>| value.map_or(JsValue::NULL, text);
    db.prepare(
        "INSERT INTO vettings (id, organization_id, account_id, decision, message, source_name, source_reference, \
         registration_number, call_phone, call_phone_source, call_spoke_with, call_at, notes, recorded_by, \
         recorded_by_name, recorded_at, validated_until) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )
    .bind(&[
        text(id),
        text(organization.0),
        text(organization.1),
        text(vetting.decision.as_str()),
        text(&vetting.message),
        optional(evidence.map(|evidence| evidence.source_name.as_str())),
        optional(evidence.map(|evidence| evidence.source_reference.as_str())),
        optional(evidence.map(|evidence| evidence.registration_number.as_str())),
        optional(evidence.map(|evidence| evidence.call_phone.as_str())),
        optional(evidence.map(|evidence| evidence.call_phone_source.as_str())),
        optional(evidence.map(|evidence| evidence.call_spoke_with.as_str())),
        optional_integer(evidence.map(|evidence| evidence.call_at)),
        text(&vetting.notes),
        text(recorder.user_id),
        text(recorder.name),
        integer(now),
        optional_integer(validated_until),
    ])
}

/// The statement inserting the applicant's answer `id`.
pub fn insert_answer(
    db: &D1Database,
    id: &str,
    organization: (&str, &str),
    answer: &str,
    recorder: &Recorder<'_>,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO vetting_answers (id, organization_id, account_id, text, answered_by, answered_by_name, \
         answered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(&[
        text(id),
        text(organization.0),
        text(organization.1),
        text(answer),
        text(recorder.user_id),
        text(recorder.name),
        integer(now),
    ])
}
