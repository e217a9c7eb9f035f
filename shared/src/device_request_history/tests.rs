//! Host tests of a device request's history: the timeline of each status, and what each version changed.

use super::*;

/// A version with the given number, host name, town and time.
fn version(number: i64, host_name: &str, locality: &str, at: i64) -> DeviceRequestVersion {
    DeviceRequestVersion {
        version: number,
        host_name: host_name.to_owned(),
        dns_names: vec![host_name.to_owned()],
        machine_id: None,
        locality: locality.to_owned(),
        region: String::new(),
        phone: "+33 1 23 45 67 89".to_owned(),
        description: "Office 12".to_owned(),
        has_csr: false,
        created_at: at,
    }
}

/// The timeline's kinds, times and the detail each event carries, as one line each.
fn lines(events: &[DeviceRequestEvent]) -> Vec<String> {
    events
        .iter()
        .map(|event| {
            let mut line = format!("{:?}@{}", event.kind, event.at);
            for part in [
                event.by.clone(),
                event.version.map(|version| format!("v{version}")),
                event.reason.clone(),
                event.cancelled_by.as_ref().map(ToString::to_string),
                event.method.clone(),
            ]
            .into_iter()
            .flatten()
            {
                line.push(' ');
                line.push_str(&part);
            }
            line
        })
        .collect()
}

/// Checks the timeline of `facts` against `expected`.
fn check(name: &str, facts: &Facts<'_>, expected: &[&str]) {
    assert_eq!(lines(&timeline(facts)), expected, "{name}");
}

#[test]
fn timelines() {
    let versions = [version(1, "a.example.com", "Paris", 100), version(2, "b.example.com", "Paris", 200)];
    let base = Facts { requester: "Rita".into(), versions: &versions, updated_at: 300, ..Facts::default() };
    let replacement = RequestId::from_random(7);
    let cases: Vec<(&str, Facts<'_>, Vec<String>)> = vec![
        (
            "waiting, edited once",
            Facts { status: Some(DeviceStatus::Requested), ..base.clone() },
            vec!["Requested@100 Rita v1".into(), "Edited@200 Rita v2".into()],
        ),
        (
            "rejected with its reason and approver",
            Facts {
                status: Some(DeviceStatus::Rejected),
                decided_at: Some(300),
                decided_by: Some("Manny".into()),
                reason: Some("Unknown office".into()),
                ..base.clone()
            },
            vec![
                "Requested@100 Rita v1".into(),
                "Edited@200 Rita v2".into(),
                "Rejected@300 Manny Unknown office".into(),
            ],
        ),
        (
            "replaced by a newer request",
            Facts { status: Some(DeviceStatus::Cancelled), cancelled_by: Some(replacement.clone()), ..base.clone() },
            vec![
                "Requested@100 Rita v1".into(),
                "Edited@200 Rita v2".into(),
                format!("Cancelled@300 Rita {replacement}"),
            ],
        ),
        (
            "the whole journey, revoked at last; two tests; a tie keeps the journey's order",
            Facts {
                status: Some(DeviceStatus::Revoked),
                decided_at: Some(300),
                decided_by: Some("Manny".into()),
                issued_at: Some(300),
                downloaded_at: Some(400),
                installations: vec![(500, "browser".into()), (600, "native_client".into())],
                revoked_at: Some(700),
                ..base.clone()
            },
            vec![
                "Requested@100 Rita v1".into(),
                "Edited@200 Rita v2".into(),
                "Approved@300 Manny".into(),
                "Issued@300".into(),
                "Downloaded@400".into(),
                "Installed@500 browser".into(),
                "Installed@600 native_client".into(),
                "Revoked@700".into(),
            ],
        ),
        (
            "approved, not yet issued",
            Facts { status: Some(DeviceStatus::Approved), decided_at: Some(250), ..base.clone() },
            vec!["Requested@100 Rita v1".into(), "Edited@200 Rita v2".into(), "Approved@250".into()],
        ),
    ];
    for (name, facts, expected) in cases {
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        check(name, &facts, &expected);
    }
}

/// A case of [`changes`]: its name, the next version, and each change expected (field, before, after).
type ChangeCase = (&'static str, DeviceRequestVersion, Vec<(&'static str, &'static str, &'static str)>);

#[test]
fn what_each_version_changed() {
    let first = version(1, "a.example.com", "Paris", 100);
    let cases: Vec<ChangeCase> = vec![
        ("the same", version(2, "a.example.com", "Paris", 200), vec![]),
        ("the town", version(2, "a.example.com", "Lyon", 200), vec![("locality", "Paris", "Lyon")]),
        (
            "the host name, so the DNS names too",
            version(2, "b.example.com", "Paris", 200),
            vec![("host_name", "a.example.com", "b.example.com"), ("dns_names", "a.example.com", "b.example.com")],
        ),
        (
            "a machine identifier and a CSR added",
            DeviceRequestVersion { machine_id: Some("sn-1".into()), has_csr: true, ..first.clone() },
            vec![("machine_id", "", "sn-1"), ("csr", "", "CSR")],
        ),
    ];
    for (name, next, expected) in cases {
        let got: Vec<(&str, String, String)> =
            changes(&first, &next).into_iter().map(|change| (change.field, change.before, change.after)).collect();
        let expected: Vec<(&str, String, String)> =
            expected.into_iter().map(|(field, before, after)| (field, before.to_owned(), after.to_owned())).collect();
        assert_eq!(got, expected, "{name}");
    }
}
