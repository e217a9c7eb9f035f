//! A device request's history, as its page shows it (issue 13): the [`timeline`] of what happened (requested, each
//! edit, the decision with its reason and approver, the cancellation and by which request, issued, downloaded, each
//! test enrollment with when and by what, revoked), and the [`changes`] each version made to the one before.
//!
//! Pure: the caller reads the facts (the request's row, its versions, its certificate's dates, its installations)
//! and passes them in; nothing here reads a clock.

use serde::{Deserialize, Serialize};

use crate::device_request::{DeviceStatus, RequestId};

/// One version of a request, as its requester submitted it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceRequestVersion {
    /// 1 for the first, one more for each edit.
    pub version: i64,
    /// The host name.
    pub host_name: String,
    /// Every DNS name, the host name first.
    pub dns_names: Vec<String>,
    /// The machine identifier, if given.
    pub machine_id: Option<String>,
    /// The town.
    pub locality: String,
    /// The region.
    pub region: String,
    /// The requester's phone.
    pub phone: String,
    /// For the approver.
    pub description: String,
    /// Whether a CSR came with this version.
    pub has_csr: bool,
    /// When it was submitted, Unix seconds.
    pub created_at: i64,
}

/// What happened to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceEventKind {
    /// The requester made it (version 1).
    Requested,
    /// The requester edited it (a new version).
    Edited,
    /// Its approver approved it.
    Approved,
    /// Its approver rejected it, with the reason.
    Rejected,
    /// The requester withdrew it, or their newer request replaced it.
    Cancelled,
    /// The certificate was issued.
    Issued,
    /// The certificate was picked up.
    Downloaded,
    /// A test enrollment passed.
    Installed,
    /// The certificate was revoked.
    Revoked,
}

/// One entry of a request's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceRequestEvent {
    /// What happened.
    pub kind: DeviceEventKind,
    /// When, Unix seconds.
    pub at: i64,
    /// Who (a name and address; "CA administrator" and a name for a CA administrator), when known.
    pub by: Option<String>,
    /// The version a request or an edit made.
    pub version: Option<i64>,
    /// The approver's reason.
    pub reason: Option<String>,
    /// The newer request that replaced this one.
    pub cancelled_by: Option<RequestId>,
    /// How a test enrollment was made: `browser`, `native_client` or `mtls`.
    pub method: Option<String>,
}

/// What the timeline is made from.
#[derive(Clone, Debug, Default)]
pub struct Facts<'a> {
    /// Who asked, as shown (name and address).
    pub requester: String,
    /// Every version, the first first.
    pub versions: &'a [DeviceRequestVersion],
    /// Where the request stands.
    pub status: Option<DeviceStatus>,
    /// When it was decided (approved or rejected).
    pub decided_at: Option<i64>,
    /// Who decided it, as shown.
    pub decided_by: Option<String>,
    /// The approver's reason.
    pub reason: Option<String>,
    /// When it last changed (a cancellation's time: nothing changes a cancelled request afterwards).
    pub updated_at: i64,
    /// The newer request that replaced it.
    pub cancelled_by: Option<RequestId>,
    /// When its certificate was issued.
    pub issued_at: Option<i64>,
    /// When its certificate was first picked up.
    pub downloaded_at: Option<i64>,
    /// Each passed test enrollment: when, and how (`browser`, `native_client`, `mtls`).
    pub installations: Vec<(i64, String)>,
    /// When its certificate was revoked.
    pub revoked_at: Option<i64>,
}

/// An event with only its kind and time set.
fn event(kind: DeviceEventKind, at: i64) -> DeviceRequestEvent {
    DeviceRequestEvent { kind, at, by: None, version: None, reason: None, cancelled_by: None, method: None }
}

/// What happened to the request, oldest first (events at the same second keep the journey's order).
pub fn timeline(facts: &Facts<'_>) -> Vec<DeviceRequestEvent> {
    let mut events = Vec::new();
    for version in facts.versions {
        let kind = if version.version == 1 { DeviceEventKind::Requested } else { DeviceEventKind::Edited };
        events.push(DeviceRequestEvent {
            by: Some(facts.requester.clone()),
            version: Some(version.version),
            ..event(kind, version.created_at)
        });
    }
    match facts.status {
        None | Some(DeviceStatus::Requested) => {}
        Some(DeviceStatus::Cancelled) => events.push(DeviceRequestEvent {
            // The requester cancels their own request, or their newer one replaces it: they act either way.
            by: Some(facts.requester.clone()),
            cancelled_by: facts.cancelled_by.clone(),
            ..event(DeviceEventKind::Cancelled, facts.updated_at)
        }),
        Some(status) => {
            if let Some(at) = facts.decided_at {
                let kind = if status == DeviceStatus::Rejected {
                    DeviceEventKind::Rejected
                } else {
                    DeviceEventKind::Approved
                };
                events.push(DeviceRequestEvent {
                    by: facts.decided_by.clone(),
                    reason: facts.reason.clone(),
                    ..event(kind, at)
                });
            }
        }
    }
    let dated = [(DeviceEventKind::Issued, facts.issued_at), (DeviceEventKind::Downloaded, facts.downloaded_at)];
    events.extend(dated.into_iter().filter_map(|(kind, at)| at.map(|at| event(kind, at))));
    events.extend(facts.installations.iter().map(|(at, method)| DeviceRequestEvent {
        method: Some(method.clone()),
        ..event(DeviceEventKind::Installed, *at)
    }));
    events.extend(facts.revoked_at.map(|at| event(DeviceEventKind::Revoked, at)));
    events.sort_by_key(|event| event.at);
    events
}

/// One field a version changed: its name (as the form names it), and its text before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `host_name`, `dns_names`, `machine_id`, `locality`, `region`, `phone`, `description` or `csr`.
    pub field: &'static str,
    /// The text before (empty when there was none).
    pub before: String,
    /// The text after.
    pub after: String,
}

/// The fields of a version as texts, in the form's order.
fn fields(version: &DeviceRequestVersion) -> [(&'static str, String); 8] {
    [
        ("host_name", version.host_name.clone()),
        ("dns_names", version.dns_names.join(", ")),
        ("machine_id", version.machine_id.clone().unwrap_or_default()),
        ("locality", version.locality.clone()),
        ("region", version.region.clone()),
        ("phone", version.phone.clone()),
        ("description", version.description.clone()),
        ("csr", if version.has_csr { "CSR".to_owned() } else { String::new() }),
    ]
}

/// What `next` changed from `previous`, in the form's order (nothing when they say the same).
pub fn changes(previous: &DeviceRequestVersion, next: &DeviceRequestVersion) -> Vec<Change> {
    fields(previous)
        .into_iter()
        .zip(fields(next))
        .filter(|((_, before), (_, after))| before != after)
        .map(|((field, before), (_, after))| Change { field, before, after })
        .collect()
}

#[cfg(test)]
mod tests;
