//! An external request explained, under the box it was pasted in: each way it differs from what the certificate
//! will say ([`shared::csr_explain::explain`]), in plain words, English and French, announced politely to screen
//! readers (`aria-live`). Also what the order form prefills from a request ([`Prefill`]).

use leptos::prelude::*;
use shared::csr_explain::{CsrContents, Mismatch};
use shared::lang::Lang;
use shared::order::ValidatedDomain;
use shared::profile::{AlternativeNames, Profile, SubjectAttribute};

use crate::i18n::use_i18n;

/// What a readable request fills in on the order form, read-only while it is there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefill {
    /// Its DNS names under one of the account's validated domains (device profiles), when it carries any; the
    /// others are explained as not on the order.
    pub dns_names: Option<Vec<String>>,
    /// Its email address (S/MIME profiles).
    pub email: Option<String>,
    /// Its subject's givenName.
    pub given_name: Option<String>,
    /// Its subject's surname.
    pub surname: Option<String>,
}

impl Prefill {
    /// What `contents` fills in for `profile`, given the account's validated domains.
    pub fn of(contents: &CsrContents, profile: &Profile, domains: &[ValidatedDomain]) -> Self {
        let mut prefill = Self::default();
        match profile.alternative_names {
            // A request without DNS names leaves the field to be typed.
            AlternativeNames::DnsNames if contents.dns_names.is_empty() => {}
            AlternativeNames::DnsNames => {
                let names: Vec<String> = contents
                    .dns_names
                    .iter()
                    .filter(|name| domains.iter().any(|domain| domain.domain.contains_name(name)))
                    .cloned()
                    .collect();
                prefill.dns_names = Some(names);
            }
            AlternativeNames::Mailbox => prefill.email = contents.email().map(str::to_owned),
        }
        if profile.states_personal_name() {
            prefill.given_name = contents.subject_value(SubjectAttribute::GivenName).map(str::to_owned);
            prefill.surname = contents.subject_value(SubjectAttribute::Surname).map(str::to_owned);
        }
        prefill
    }
}

/// The heading of the list.
fn heading(lang: Lang, count: usize) -> String {
    match (lang, count) {
        (Lang::En, 0) => "The request matches the profile and the order.".into(),
        (Lang::Fr, 0) => "La demande correspond au profil et à la commande.".into(),
        (Lang::En, _) => {
            "What the request asks is not obeyed; the certificate says what the profile and the order say:".into()
        }
        (Lang::Fr, _) => {
            "Ce que demande la demande n’est pas suivi ; le certificat dit ce que disent le profil et la commande :"
                .into()
        }
    }
}

/// The explanation list for one request box.
#[component]
pub fn CsrExplanations(
    /// The mismatches, or `None` while no readable request is there.
    mismatches: Signal<Option<Vec<Mismatch>>>,
    /// The `data-testid` of the list's container.
    testid: String,
) -> impl IntoView {
    let t = use_i18n();
    view! {
        <div data-testid=testid aria-live="polite" class="csr-explanations">
            {move || mismatches.get().map(|mismatches| {
                let lang = t.lang();
                let count = mismatches.len();
                view! {
                    <p class="hint">{heading(lang, count)}</p>
                    <ul>{mismatches.into_iter().map(|mismatch| view! {
                        <li data-code=mismatch.code()>{mismatch.explain(lang)}</li>
                    }).collect_view()}</ul>
                }
            })}
        </div>
    }
}
