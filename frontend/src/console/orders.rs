//! The order pages: `/console/orders/new` (the order form, on one page), `/console/orders/{id}` (the order and its
//! pipeline) and `/console/orders` (the history).
//!
//! The form is built from what the page fetched when it opened: the policy (`GET /api/v1/policy`: profiles, key
//! types, validity caps, signature hashes), the account's organizations (only validated ones are offered), and its
//! domains and mailboxes. As the user types, the form runs the same rules as the Worker,
//! [`shared::order::check_order_request`], over an [`OrderContext`] built from those answers, and shows every
//! problem next to its field once the field was touched (all of them after a first submission); those rules
//! leave the requests out ([`shared::order::check_order_request_without_csrs`]). A request pasted or uploaded
//! is read by the packaging worker ([`super::order_csr`]), and its key pre-checked against the profile with
//! [`shared::api::policy::Policy::precheck`] when the answer comes: a key the profile refuses is reported before
//! anything is sent, and a submission waits for the answers of its requests. A readable request also prefills
//! the names it carries (read-only) and is explained under its box ([`super::csr_explain`]). Each issued
//! certificate's line offers its subject name in four forms ([`super::subject_name`]).
//!
//! An idempotency key is drawn (WebCrypto's random values) when the form opens and sent with every submission of
//! it, so a double click or a retry after a lost answer makes one order; the button is disabled while a
//! submission is in flight. A `422` lists every problem ([`shared::api::order::FieldErrorsBody`]), each shown
//! beside its field.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::address::{Domain, EmailAddress};
use shared::api::ApiError;
use shared::api::contract::{ContractList, ContractView, LIST_CONTRACTS};
use shared::api::domain::{DomainList, LIST_DOMAINS, LIST_MAILBOXES, MailboxList, ValidationState};
use shared::api::order::{
    CANCEL_ORDER, LIST_ORDERS, Ledger, OrderList, OrderRequest, OrderView, PLACE_ORDER, PaymentRequest,
    RESEND_ENROLLMENT, RecipientRequest, SHOW_LEDGER, SHOW_ORDER, SignatureHash, ValidityRequest,
};
use shared::api::organization::{LIST_ORGANIZATIONS, OrganizationList, OrganizationView};
use shared::api::policy::{Policy, SHOW_POLICY};
use shared::api::renewal::RENEW_ORDER;
use shared::api::revocation::{CertificateStatus, DOWNLOAD_CERTIFICATE, REVOKE_CERTIFICATE, RevokeRequest};
use shared::contract::ContractStatus;
use shared::download::DownloadFormat;
use shared::encoding::base64url_encode;
use shared::order::{
    OrderContext, OrganizationFacts, SUBSCRIBER_AGREEMENT_VERSION, ValidatedDomain, ValidatedMailbox,
    check_order_request_without_csrs, money,
};
use shared::pipeline::{Action, OrderState, Step, StepState, StepSubject};
use shared::profile::{AlternativeNames, ProfileId};
use shared::revocation::RevocationReason;
use shared::vetting::VettingStatus;

use super::csr_explain::{CsrExplanations, Prefill};
use super::form::go;
use super::order_csr::{CsrReader, verdict};
use super::order_texts::{
    action_label, actor_label, blocked_by, csr_accepted, done_at, order_text, order_texts, page_number, problems_left,
    recipient_heading, state_label, validity_cap, who_acts,
};
use super::subject_name::SubjectNamePanel;
use crate::api;
use crate::i18n::{self, Lang, Unit, error_line, field_error, format_instant, problem_message, use_i18n};

/// What the form needs, fetched when it opens.
#[derive(Clone)]
struct Catalogue {
    /// The policy in force.
    policy: Policy,
    /// The account's organizations.
    organizations: Vec<OrganizationView>,
    /// The account's domains.
    domains: DomainList,
    /// The account's mailboxes.
    mailboxes: MailboxList,
    /// The account's balance (and latest ledger entries).
    ledger: Ledger,
    /// The account's contracts (the form offers the active ones).
    contracts: Vec<ContractView>,
}

async fn catalogue() -> Result<Catalogue, ApiError> {
    Ok(Catalogue {
        policy: api::call::<Policy>(&SHOW_POLICY, &[]).await?,
        organizations: api::call::<OrganizationList>(&LIST_ORGANIZATIONS, &[]).await?.organizations,
        domains: api::call::<DomainList>(&LIST_DOMAINS, &[]).await?,
        mailboxes: api::call::<MailboxList>(&LIST_MAILBOXES, &[]).await?,
        ledger: api::call::<Ledger>(&SHOW_LEDGER, &[]).await?,
        contracts: api::call::<ContractList>(&LIST_CONTRACTS, &[]).await?.contracts,
    })
}

/// Now, in Unix seconds, from the browser's clock (the Worker checks again with its own).
fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// A fresh idempotency key: 192 random bits from WebCrypto, base64url (32 characters).
fn idempotency_key() -> Result<String, ApiError> {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).map_err(|error| api::local_error(&error.to_string()))?;
    Ok(base64url_encode(&bytes))
}

/// `/console/orders/new`: loads what the form needs, then shows it.
#[component]
pub fn NewOrderPage() -> impl IntoView {
    let t = use_i18n();
    let loaded = LocalResource::new(catalogue);
    view! {
        <h1>{order_text(t, |texts| texts.new_order_title)}</h1>
        {move || loaded.get().map(|result| match result.and_then(|catalogue| Ok((catalogue, idempotency_key()?))) {
            Ok((catalogue, key)) => view! { <OrderForm catalogue=catalogue idempotency_key=key /> }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

/// How the validity is asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ValidityKind {
    Years,
    EndDate,
    Days,
}

/// One recipient's inputs.
#[derive(Clone, Copy)]
struct RecipientRow {
    /// Stable identity for the list's keyed rendering.
    id: u32,
    name: RwSignal<String>,
    given_name: RwSignal<String>,
    surname: RwSignal<String>,
    email: RwSignal<String>,
    dns_names: RwSignal<String>,
    /// Whether a request comes now (else an enrollment link later).
    csr_now: RwSignal<bool>,
    csr: RwSignal<String>,
    /// The request read by the packaging worker, while one comes now.
    reader: CsrReader,
    /// The language of the recipient's emails (the page's when the row was added).
    lang: RwSignal<Lang>,
}

impl RecipientRow {
    fn new(id: u32, lang: Lang) -> Self {
        let csr_now = RwSignal::new(false);
        let csr = RwSignal::new(String::new());
        Self {
            id,
            name: RwSignal::new(String::new()),
            given_name: RwSignal::new(String::new()),
            surname: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            dns_names: RwSignal::new(String::new()),
            csr_now,
            csr,
            reader: CsrReader::new(move || csr_now.get().then(|| csr.get())),
            lang: RwSignal::new(lang),
        }
    }

    /// The request text when one comes now and is not blank, as it is now (not tracked).
    fn csr_text_untracked(&self) -> Option<String> {
        Some(self.csr.get_untracked()).filter(|text| self.csr_now.get_untracked() && !text.trim().is_empty())
    }

    fn request(&self) -> RecipientRequest {
        let optional = |value: String| Some(value).filter(|value| !value.trim().is_empty());
        RecipientRequest {
            name: optional(self.name.get()),
            given_name: optional(self.given_name.get()),
            surname: optional(self.surname.get()),
            email: self.email.get(),
            dns_names: split_list(&self.dns_names.get()),
            csr: if self.csr_now.get() { optional(self.csr.get()) } else { None },
            lang: Some(self.lang.get().tag().to_owned()),
        }
    }
}

/// Items of a list typed one per line or separated by commas, blanks dropped.
pub(super) fn split_list(text: &str) -> Vec<String> {
    text.split([',', '\n', ';']).map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
}

/// The rules' context from what the page fetched. The balance is the one read when the page opened: the Worker
/// checks it again, atomically, when the order is placed.
fn context(catalogue: &Catalogue, organization_id: &str) -> OrderContext {
    let organization = catalogue.organizations.iter().find(|organization| organization.id == organization_id);
    OrderContext {
        organization: OrganizationFacts {
            id: organization.map(|organization| organization.id.clone()).unwrap_or_default(),
            name: organization.map(|organization| organization.name.clone()).unwrap_or_default(),
            identifier: organization
                .map(|organization| organization.registration_identifier.clone())
                .unwrap_or_default(),
            country: organization.map(|organization| organization.country.clone()).unwrap_or_default(),
            locality: organization.and_then(|organization| organization.address.locality()),
            state_or_province: organization.and_then(|organization| organization.address.state_or_province()),
            validated_until: organization
                .filter(|organization| organization.validation == ValidationState::Validated)
                .and_then(|organization| organization.validated_until),
        },
        validated_domains: catalogue
            .domains
            .domains
            .iter()
            .filter(|domain| domain.validation == ValidationState::Validated)
            .filter_map(|domain| {
                Some(ValidatedDomain {
                    domain: Domain::parse(&domain.name).ok()?,
                    reusable_until: domain.validated_until?,
                })
            })
            .collect(),
        validated_mailboxes: catalogue
            .mailboxes
            .mailboxes
            .iter()
            .filter(|mailbox| mailbox.validation == ValidationState::Validated)
            .filter_map(|mailbox| {
                Some(ValidatedMailbox {
                    email: EmailAddress::parse(&mailbox.email).ok()?,
                    reusable_until: mailbox.validated_until?,
                })
            })
            .collect(),
        balance_cents: catalogue.ledger.balance_cents,
        contracts: catalogue.contracts.iter().map(ContractView::contract).collect(),
        renewal: false,
    }
}

/// Whether an error at `field` belongs to the form element at `path`: the path itself or inside it.
pub(super) fn belongs(field: &str, path: &str) -> bool {
    field == path || field.strip_prefix(path).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Whether the form shows an error at `field` beside one of its elements; any other is shown above the form.
fn placed(field: &str) -> bool {
    const TOP: [&str; 10] = [
        "profile",
        "organization_id",
        "signature_hash",
        "validity",
        "auto_renewals",
        "recipients",
        "notification_emails",
        "payment",
        "subscriber_agreement",
        "idempotency_key",
    ];
    TOP.iter().any(|path| belongs(field, path))
}

/// The order form.
#[component]
fn OrderForm(
    /// What the page fetched.
    catalogue: Catalogue,
    /// Drawn when the form opened; sent with every submission of it.
    idempotency_key: String,
) -> impl IntoView {
    let t = use_i18n();
    let catalogue = StoredValue::new(catalogue);
    let policy = catalogue.with_value(|catalogue| catalogue.policy.clone());
    let balance = catalogue.with_value(|catalogue| money(catalogue.ledger.balance_cents));
    let first_profile = policy.profiles.first().map(|profile| profile.id);
    let validated: Vec<OrganizationView> = catalogue.with_value(|catalogue| {
        catalogue
            .organizations
            .iter()
            .filter(|organization| {
                organization.validation == ValidationState::Validated
                    && organization.validated_until.is_some_and(|until| until > now())
            })
            .cloned()
            .collect()
    });
    // Organizations not validated, each with where its vetting by the CA's staff stands and what happens next.
    let unvetted: Vec<(String, VettingStatus)> = catalogue.with_value(|catalogue| {
        catalogue
            .organizations
            .iter()
            .filter(|organization| !validated.iter().any(|validated| validated.id == organization.id))
            .map(|organization| (organization.name.clone(), organization.vetting.clone()))
            .collect()
    });
    let profile = RwSignal::new(first_profile);
    let organization = RwSignal::new(validated.first().map(|organization| organization.id.clone()).unwrap_or_default());
    let hash = RwSignal::new(policy.signature_hashes.first().copied().unwrap_or(SignatureHash::Sha256));
    let validity_kind = RwSignal::new(ValidityKind::Years);
    let years = RwSignal::new(1u32);
    let end_date = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let renewals = RwSignal::new("0".to_owned());
    let next_id = StoredValue::new(1u32);
    let recipients = RwSignal::new(vec![RecipientRow::new(0, t.lang_untracked())]);
    let owner = StoredValue::new(Owner::current().unwrap_or_default());
    let notifications = RwSignal::new(String::new());
    let contract = RwSignal::new(false);
    let reference = RwSignal::new(String::new());
    let agreement = RwSignal::new(false);
    let touched = RwSignal::new(Vec::<String>::new());
    let attempted = RwSignal::new(false);
    let working = RwSignal::new(false);
    let server_errors = RwSignal::new(Vec::<ApiError>::new());
    let policy = StoredValue::new(policy);
    let idempotency_key = StoredValue::new(idempotency_key);

    let touch = move |path: String| {
        if !touched.with_untracked(|touched| touched.contains(&path)) {
            touched.update(|touched| touched.push(path));
        }
    };

    // The request as the form holds it now; numbers that do not parse are reported by `local_errors`.
    let request = move || OrderRequest {
        profile: profile.get().unwrap_or(ProfileId::SmimeOrganizationMultipurpose),
        organization_id: organization.get(),
        signature_hash: hash.get(),
        validity: match validity_kind.get() {
            ValidityKind::Years => ValidityRequest::Years { years: years.get() },
            ValidityKind::EndDate => ValidityRequest::EndDate { date: end_date.get() },
            ValidityKind::Days => ValidityRequest::Days { days: days.get().trim().parse().unwrap_or(0) },
        },
        auto_renewals: renewals.get().trim().parse().unwrap_or(0),
        recipients: recipients.get().iter().map(RecipientRow::request).collect(),
        notification_emails: split_list(&notifications.get()),
        payment: if contract.get() {
            PaymentRequest::Contract { reference: reference.get() }
        } else {
            PaymentRequest::Balance
        },
        subscriber_agreement: if agreement.get() { SUBSCRIBER_AGREEMENT_VERSION.to_owned() } else { String::new() },
        idempotency_key: idempotency_key.get_value(),
    };

    // Every problem the page finds, in form order: the shared rules (requests left out: the pre-check below
    // reads them), the numbers that do not parse, and each request's pre-check once the worker has read it (a
    // request still being read has none yet: the submission waits for it).
    let local_errors = Memo::new(move |_| {
        let lang = t.lang();
        let texts = order_texts(lang);
        let mut request = request();
        let rows = recipients.get();
        let csrs: Vec<Option<String>> = request.recipients.iter_mut().map(|recipient| recipient.csr.take()).collect();
        let mut errors: Vec<ApiError> = match catalogue.with_value(|catalogue| {
            check_order_request_without_csrs(&request, &context(catalogue, &request.organization_id), now())
        }) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.into_iter().map(ApiError::from).collect(),
        };
        if renewals.get().trim().parse::<u32>().is_err() {
            errors.retain(|error| error.field.as_deref() != Some("auto_renewals"));
            errors.push(field_error("number_invalid", "auto_renewals", texts.number_invalid));
        }
        if validity_kind.get() == ValidityKind::Days && days.get().trim().parse::<u32>().is_err() {
            errors.retain(|error| error.field.as_deref() != Some("validity.days"));
            errors.push(field_error("number_invalid", "validity.days", texts.number_invalid));
        }
        if let Some(profile) = profile.get() {
            for (index, (row, csr)) in rows.iter().zip(csrs).enumerate() {
                if !row.csr_now.get() {
                    continue;
                }
                let path = format!("recipients[{index}].csr");
                match csr {
                    None => errors.push(field_error("csr_missing", &path, texts.csr_missing)),
                    Some(text) => match row.reader.answer(&text) {
                        None => {}
                        Some(Ok(reading)) => {
                            if let Err(reason) = policy.with_value(|policy| verdict(policy, profile, &reading, lang)) {
                                errors.push(field_error("csr_refused", &path, reason));
                            }
                        }
                        // The worker could not read it: said at the request, the form cannot be sent so.
                        Some(Err(problem)) => errors.push(field_error(&problem.code, &path, problem.message)),
                    },
                }
            }
        }
        errors
    });

    // What is shown at `path`: the Worker's answer to the last submission, and the page's own findings once the
    // field was touched or a submission was tried.
    let shown = move |path: String| {
        move || {
            let mut errors: Vec<ApiError> = server_errors
                .get()
                .into_iter()
                .filter(|error| error.field.as_deref().is_some_and(|field| belongs(field, &path)))
                .collect();
            let visible =
                attempted.get() || touched.with(|touched| touched.iter().any(|touched| belongs(touched, &path)));
            if visible {
                for error in local_errors.get() {
                    if error.field.as_deref().is_some_and(|field| belongs(field, &path)) && !errors.contains(&error) {
                        errors.push(error);
                    }
                }
            }
            errors
        }
    };
    let problems = move |path: &'static str| {
        let errors = shown(path.to_owned());
        view! { <FieldProblems path=path.to_owned() errors=Signal::derive(errors) /> }
    };

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        // A second click while the first is in flight does nothing (the button is disabled too, once the page
        // has redrawn); a retry after a failure sends the same idempotency key.
        if working.get_untracked() {
            return;
        }
        attempted.set(true);
        working.set(true);
        spawn_local(async move {
            // The requests to come now are read (the answers already kept are used as they are); a text changed
            // while this waited is read too, so what is sent is what was checked.
            loop {
                let unread: Vec<(CsrReader, String)> = recipients
                    .get_untracked()
                    .iter()
                    .filter_map(|row| {
                        let text = row.csr_text_untracked()?;
                        row.reader.answer_untracked(&text).is_none().then_some((row.reader, text))
                    })
                    .collect();
                if unread.is_empty() {
                    break;
                }
                for (reader, text) in unread {
                    reader.read_now(text).await;
                }
            }
            if !local_errors.get_untracked().is_empty() {
                working.set(false);
                return;
            }
            server_errors.set(Vec::new());
            let request = untrack(request);
            match api::call_listing_errors::<_, OrderView>(&PLACE_ORDER, &[], &request).await {
                Ok(order) => go(&format!("/console/orders/{}", order.id)),
                Err(problems) => {
                    server_errors.set(problems);
                    working.set(false);
                }
            }
        });
    };

    let profile_options = policy.with_value(|policy| {
        policy
            .profiles
            .iter()
            .map(|option| {
                let id = option.id;
                view! { <option value=id.as_str() selected=move || profile.get() == Some(id)>
                {move || id.profile().display_name(t.lang())}</option> }
            })
            .collect_view()
    });
    let hash_options = policy.with_value(|policy| {
        policy
            .signature_hashes
            .iter()
            .map(|option| {
                let option = *option;
                view! { <option value=option.as_str() selected=move || hash.get() == option>{option.as_str().to_uppercase()}</option> }
            })
            .collect_view()
    });
    let no_organization = validated.is_empty();
    let organization_options = validated
        .into_iter()
        .map(|option| {
            let id = option.id.clone();
            let until = option.validated_until.unwrap_or_default();
            let label = option.name.clone();
            view! { <option value=id.clone() selected=move || organization.get() == id>
            {move || format!("{label} ({})", format_instant(t.lang(), until))}</option> }
        })
        .collect_view();
    let cap = move || {
        profile.get().and_then(|id| {
            policy.with_value(|policy| {
                policy.profiles.iter().find(|profile| profile.id == id).map(|profile| profile.max_validity_days)
            })
        })
    };
    let device = move || profile.get().is_some_and(|id| id.profile().alternative_names == AlternativeNames::DnsNames);
    let personal = move || profile.get().is_some_and(|id| id.profile().states_personal_name());

    let add_recipient = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        // The new row's signals belong to the form, not to whatever runs the click.
        let row = owner.with_value(|owner| owner.with(|| RecipientRow::new(id, t.lang_untracked())));
        recipients.update(|rows| rows.push(row));
    };

    let recipient_rows = move || {
        let rows = recipients.get();
        let count = rows.len();
        rows.into_iter()
            .enumerate()
            .map(|(index, row)| {
                let path = move |field: &str| format!("recipients[{index}].{field}");
                let row_problems = move |field: &'static str| {
                    let errors = shown(path(field));
                    view! { <FieldProblems path=path(field) errors=Signal::derive(errors) /> }
                };
                let remove = move |_| recipients.update(|rows| rows.retain(|other| other.id != row.id));
                let upload = move |event: leptos::ev::Event| {
                    let input: web_sys::HtmlInputElement = event_target(&event);
                    let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
                    spawn_local(async move {
                        if let Ok(bytes) = crate::files::read(&file).await {
                            row.csr.set(String::from_utf8_lossy(&bytes).into_owned());
                            touch(path("csr"));
                        }
                    });
                };
                // The worker's reading of the request as it is now; `None` while it is being read.
                let reading = Memo::new(move |_| {
                    let text = Some(row.csr.get()).filter(|text| row.csr_now.get() && !text.trim().is_empty())?;
                    row.reader.answer(&text)?.ok()
                });
                let accepted = move || {
                    let id = profile.get()?;
                    let key = reading.with(|reading| {
                        policy.with_value(|policy| verdict(policy, id, reading.as_ref()?, t.lang()).ok())
                    })?;
                    Some(view! { <p class="notice" data-testid=format!("csr-accepted-{index}")>{csr_accepted(t.lang(), &key)}</p> })
                };
                // A readable request: what it carries prefills the form (read-only while it is there), and each
                // way it differs from what the certificate will say is explained under its box.
                let contents = Memo::new(move |_| reading.with(|reading| reading.as_ref()?.contents.clone()));
                let prefill = Memo::new(move |_| {
                    let contents = contents.get()?;
                    let id = profile.get()?;
                    let domains = catalogue.with_value(|catalogue| context(catalogue, &organization.get()).validated_domains);
                    Some(Prefill::of(&contents, id.profile(), &domains))
                });
                Effect::new(move |_| {
                    let Some(prefill) = prefill.get() else { return };
                    if let Some(names) = prefill.dns_names {
                        row.dns_names.set(names.join("\n"));
                    }
                    for (value, signal) in
                        [(prefill.email, row.email), (prefill.given_name, row.given_name), (prefill.surname, row.surname)]
                    {
                        if let Some(value) = value {
                            signal.set(value);
                        }
                    }
                });
                let mismatches = Signal::derive(move || {
                    let contents = contents.get()?;
                    let id = profile.get()?;
                    let dns_names = split_list(&row.dns_names.get());
                    let email = row.email.get();
                    let facts = catalogue.with_value(|catalogue| context(catalogue, &organization.get()).organization);
                    let expectation = shared::csr_explain::Expectation {
                        profile: id.profile(),
                        dns_names: &dns_names,
                        email: Some(email.as_str()).filter(|email| !email.is_empty()),
                        organization: Some(facts.name.as_str()).filter(|name| !name.is_empty()),
                        country: Some(facts.country.as_str()).filter(|country| !country.is_empty()),
                    };
                    Some(shared::csr_explain::explain(&contents, &expectation))
                });
                let read_only = move |field: &'static str| {
                    prefill.with(|prefill| {
                        prefill.as_ref().is_some_and(|prefill| match field {
                            "dns_names" => prefill.dns_names.is_some(),
                            "email" => prefill.email.is_some(),
                            "given_name" => prefill.given_name.is_some(),
                            "surname" => prefill.surname.is_some(),
                            _ => false,
                        })
                    })
                };
                let name_input = move |label: fn(&'static super::order_texts::OrderTexts) -> &'static str,
                                       field: &'static str,
                                       signal: RwSignal<String>,
                                       kind: &'static str| {
                    view! {
                        <label>{order_text(t, label)}
                            <input type=kind data-testid=path(field) autocomplete="off" bind:value=signal
                                prop:readOnly=move || read_only(field)
                                on:input=move |_| touch(path(field)) /></label>
                        {row_problems(field)}
                    }
                };
                view! {
                    <fieldset class="recipient" data-testid=format!("recipient-{index}")>
                        <legend>{move || recipient_heading(t.lang(), index + 1)}</legend>
                        {move || if personal() {
                            view! {
                                {name_input(|texts| texts.given_name, "given_name", row.given_name, "text")}
                                {name_input(|texts| texts.surname, "surname", row.surname, "text")}
                            }.into_any()
                        } else {
                            name_input(|texts| texts.recipient_name, "name", row.name, "text").into_any()
                        }}
                        {name_input(|texts| texts.email, "email", row.email, "email")}
                        <label>{move || t.lang().pick("Language of their emails", "Langue de ses courriels")}
                            <select data-testid=path("lang")
                                on:change=move |event| {
                                    row.lang.set(Lang::from_tag(&event_target_value(&event)).unwrap_or_default());
                                    touch(path("lang"));
                                }>
                                {Lang::ALL.into_iter().map(|lang| view! {
                                    <option value=lang.tag() selected=move || row.lang.get() == lang>
                                        {lang.pick("English", "Français")}</option>
                                }).collect_view()}
                            </select></label>
                        {row_problems("lang")}
                        {move || device().then(|| view! {
                            <label>{order_text(t, |texts| texts.dns_names)}
                                <textarea data-testid=path("dns_names") rows="2"
                                    prop:value=move || row.dns_names.get() prop:readOnly=move || read_only("dns_names")
                                    on:input=move |event| { row.dns_names.set(event_target_value(&event)); touch(path("dns_names")); }>
                                </textarea></label>
                            <p class="hint">{order_text(t, |texts| texts.dns_names_hint)}</p>
                            {row_problems("dns_names")}
                        })}
                        <label class="choice"><input type="radio" name=format!("csr-mode-{}", row.id)
                            data-testid=format!("csr-later-{index}") prop:checked=move || !row.csr_now.get()
                            on:change=move |_| row.csr_now.set(false) />{order_text(t, |texts| texts.csr_later)}</label>
                        <label class="choice"><input type="radio" name=format!("csr-mode-{}", row.id)
                            data-testid=format!("csr-now-{index}") prop:checked=move || row.csr_now.get()
                            on:change=move |_| row.csr_now.set(true) />{order_text(t, |texts| texts.csr_now)}</label>
                        {move || row.csr_now.get().then(|| view! {
                            <label>{order_text(t, |texts| texts.csr_paste)}
                                <textarea class="pem" rows="6" data-testid=path("csr") spellcheck="false"
                                    prop:value=move || row.csr.get()
                                    on:input=move |event| { row.csr.set(event_target_value(&event)); touch(path("csr")); }>
                                </textarea></label>
                            <label>{order_text(t, |texts| texts.csr_upload)}
                                <input type="file" accept=".csr,.pem,.req,.txt" data-testid=format!("csr-file-{index}")
                                    on:change=upload /></label>
                            {accepted}
                            <CsrExplanations mismatches testid=format!("csr-explanations-{index}") />
                            {row_problems("csr")}
                        })}
                        {row_problems("given_name")}
                        {(count > 1).then(|| view! {
                            <button type="button" data-testid=format!("remove-recipient-{index}") on:click=remove>
                                {order_text(t, |texts| texts.remove_recipient)}</button>
                        })}
                    </fieldset>
                }
            })
            .collect_view()
    };

    let unplaced = move || {
        server_errors
            .get()
            .into_iter()
            .filter(|error| !error.field.as_deref().is_some_and(placed))
            .map(|error| {
                crate::focus::error_shown();
                view! { <p class="error" role="alert" data-testid="error" data-code=error.code.clone()
                data-field=error.field.clone()>{problem_message(&error, t.lang())}</p> }
            })
            .collect_view()
    };
    let summary = move || {
        let count = local_errors.with(Vec::len).max(server_errors.with(Vec::len));
        (attempted.get() && count > 0).then(|| {
            view! { <p class="error" role="alert" data-testid="order-problems" data-count=count>{problems_left(t.lang(), count)}</p> }
        })
    };

    view! {
        {unplaced}
        {summary}
        <form class="order" on:submit=submit data-testid="order-form" novalidate>
            <label>{order_text(t, |texts| texts.profile)}
                <select data-testid="profile" on:change=move |event| {
                    profile.set(ProfileId::parse(&event_target_value(&event)));
                    touch("profile".into());
                }>{profile_options}</select></label>
            {problems("profile")}
            <label>{order_text(t, |texts| texts.organization)}
                <select data-testid="organization" on:change=move |event| {
                    organization.set(event_target_value(&event));
                    touch("organization_id".into());
                }>{organization_options}</select></label>
            {no_organization.then(|| view! {
                <p class="error" data-testid="no-organization">{order_text(t, |texts| texts.no_validated_organization)}
                    " " <a href="/console/organizations">"→"</a></p>
            })}
            {unvetted.into_iter().map(|(name, status)| view! {
                <p class="hint" data-testid="unvetted-organization">{move || format!("{name}: {}",
                    super::validation::vetting_sentence(t.lang(), &status))}
                    " " <a href="/console/organizations">"→"</a></p>
            }).collect_view()}
            {problems("organization_id")}
            <label>{order_text(t, |texts| texts.signature_hash)}
                <select data-testid="signature-hash" on:change=move |event| {
                    if let Ok(chosen) = serde_json::from_value(serde_json::Value::String(event_target_value(&event))) {
                        hash.set(chosen);
                    }
                }>{hash_options}</select></label>
            {problems("signature_hash")}
            <fieldset>
                <legend>{order_text(t, |texts| texts.validity)}</legend>
                <label class="choice"><input type="radio" name="validity" data-testid="validity-years"
                    prop:checked=move || validity_kind.get() == ValidityKind::Years
                    on:change=move |_| validity_kind.set(ValidityKind::Years) />{order_text(t, |texts| texts.validity_years)}</label>
                <label class="choice"><input type="radio" name="validity" data-testid="validity-end-date"
                    prop:checked=move || validity_kind.get() == ValidityKind::EndDate
                    on:change=move |_| validity_kind.set(ValidityKind::EndDate) />{order_text(t, |texts| texts.validity_end_date)}</label>
                <label class="choice"><input type="radio" name="validity" data-testid="validity-days"
                    prop:checked=move || validity_kind.get() == ValidityKind::Days
                    on:change=move |_| validity_kind.set(ValidityKind::Days) />{order_text(t, |texts| texts.validity_days)}</label>
                {move || match validity_kind.get() {
                    ValidityKind::Years => view! {
                        <select data-testid="years" aria-label=order_text(t, |texts| texts.validity_years) on:change=move |event| {
                            years.set(event_target_value(&event).parse().unwrap_or(1));
                            touch("validity".into());
                        }>
                            {[1u32, 2, 3].into_iter().map(|count| view! {
                                <option value=count.to_string() selected=move || years.get() == count>
                                    {move || i18n::count(t.lang(), count, Unit::Year)}</option>
                            }).collect_view()}
                        </select>
                    }.into_any(),
                    ValidityKind::EndDate => view! {
                        <input type="date" data-testid="end-date" aria-label=order_text(t, |texts| texts.validity_end_date) bind:value=end_date on:input=move |_| touch("validity".into()) />
                    }.into_any(),
                    ValidityKind::Days => view! {
                        <input type="number" min="1" data-testid="days" aria-label=order_text(t, |texts| texts.validity_days) bind:value=days on:input=move |_| touch("validity".into()) />
                    }.into_any(),
                }}
                <p class="hint" data-testid="validity-cap">{move || cap().map(|cap| validity_cap(t.lang(), cap))}</p>
                {problems("validity")}
            </fieldset>
            <label>{order_text(t, |texts| texts.auto_renewals)}
                <input type="number" min="0" max="5" data-testid="auto-renewals" bind:value=renewals
                    on:input=move |_| touch("auto_renewals".into()) /></label>
            {problems("auto_renewals")}
            <h2>{order_text(t, |texts| texts.recipients)}</h2>
            {problems("recipients")}
            {recipient_rows}
            <button type="button" data-testid="add-recipient" on:click=add_recipient>{order_text(t, |texts| texts.add_recipient)}</button>
            <label>{order_text(t, |texts| texts.notification_emails)}
                <textarea rows="2" data-testid="notification-emails" prop:value=move || notifications.get()
                    on:input=move |event| { notifications.set(event_target_value(&event)); touch("notification_emails".into()); }>
                </textarea></label>
            <p class="hint">{order_text(t, |texts| texts.notification_hint)}</p>
            {problems("notification_emails")}
            <fieldset>
                <legend>{order_text(t, |texts| texts.payment)}</legend>
                <label class="choice"><input type="radio" name="payment" data-testid="payment-balance"
                    prop:checked=move || !contract.get() on:change=move |_| contract.set(false) />
                    {order_text(t, |texts| texts.payment_balance)}</label>
                <label class="choice"><input type="radio" name="payment" data-testid="payment-contract"
                    prop:checked=move || contract.get() on:change=move |_| contract.set(true) />
                    {order_text(t, |texts| texts.payment_contract)}</label>
                {move || if contract.get() {
                    // Only the account's active contracts are offered (the Worker refuses any other reference).
                    let active: Vec<ContractView> = catalogue.with_value(|catalogue| {
                        let now = now();
                        catalogue.contracts.iter()
                            .filter(|view| view.contract().status(now) == ContractStatus::Active).cloned().collect()
                    });
                    if active.is_empty() {
                        view! { <p class="error" data-testid="no-contract">{order_text(t, |texts| texts.no_contract)}</p> }
                            .into_any()
                    } else {
                        if !active.iter().any(|view| view.reference == reference.get_untracked()) {
                            reference.set(active[0].reference.clone());
                        }
                        let options = active.into_iter().map(|view| {
                            let left = money(view.contract().remaining_cents());
                            let value = view.reference.clone();
                            view! { <option value=value.clone() selected=move || reference.get() == value>
                                {view.reference.clone()} " (" {order_text(t, |texts| texts.contract_left)} " " {left} ")"
                            </option> }
                        }).collect_view();
                        view! { <label>{order_text(t, |texts| texts.contract_reference)}
                            <select data-testid="contract-reference"
                                on:change=move |event| { reference.set(event_target_value(&event)); touch("payment".into()); }>
                                {options}
                            </select></label> }.into_any()
                    }
                } else {
                    view! {
                        <p data-testid="balance">{order_text(t, |texts| texts.balance_available)} " " {balance.clone()}</p>
                        <p class="hint">{order_text(t, |texts| texts.payment_balance_hint)}</p>
                    }.into_any()
                }}
                {problems("payment")}
            </fieldset>
            <label class="choice"><input type="checkbox" data-testid="agreement" bind:checked=agreement
                on:change=move |_| touch("subscriber_agreement".into()) />{order_text(t, |texts| texts.agreement)}</label>
            {problems("subscriber_agreement")}
            {problems("idempotency_key")}
            <button type="submit" data-testid="order-submit" disabled=move || working.get()>
                {move || if working.get() { order_text(t, |texts| texts.submitting)() } else { order_text(t, |texts| texts.submit)() }}
            </button>
        </form>
    }
}

/// The problems found at one form path, each with its code (`data-testid="error-{path}"`).
#[component]
fn FieldProblems(
    /// The form path (`recipients[1].email`).
    path: String,
    /// The problems to show.
    errors: Signal<Vec<ApiError>>,
) -> impl IntoView {
    let t = use_i18n();
    move || {
        errors
            .get()
            .into_iter()
            .map(|error| {
                crate::focus::error_shown();
                view! {
                    <p class="error field-error" role="alert" data-testid=format!("error-{path}")
                        data-code=error.code.clone() data-field=error.field.clone()>{problem_message(&error, t.lang())}</p>
                }
            })
            .collect_view()
    }
}

/// `/console/orders/{id}`: the order, its pipeline with the actions offered, and the certificates issued.
#[component]
pub fn OrderPage(
    /// The order number from the path.
    id: String,
) -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let order = LocalResource::new(move || {
        version.track();
        api::call::<OrderView>(&SHOW_ORDER, &[&id])
    });
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(false);
    let act = move |order_id: String, action: Action, subject: StepSubject| {
        error.set(None);
        notice.set(false);
        spawn_local(async move {
            let result = match (action, subject) {
                (Action::CancelOrder, _) => {
                    api::call_with::<_, OrderView>(&CANCEL_ORDER, &[&order_id], &()).await.map(|_| ())
                }
                (Action::ResendEmail, StepSubject::Recipient { index, .. }) => {
                    api::call_with::<_, ()>(&RESEND_ENROLLMENT, &[&order_id, &index.to_string()], &()).await
                }
                // A validation's email or method is changed on the page of what it validates.
                (Action::ResendEmail | Action::ChangeValidationMethod, subject) => {
                    go(match subject {
                        StepSubject::Organization | StepSubject::Payment => "/console/organizations",
                        StepSubject::Mailbox { .. } => "/console/mailboxes",
                        StepSubject::Domain { .. } | StepSubject::Recipient { .. } => "/console/domains",
                    });
                    Ok(())
                }
            };
            match result {
                Ok(()) => {
                    notice.set(true);
                    version.update(|version| *version += 1);
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let revoke = move |serial: String, reason: RevocationReason| {
        error.set(None);
        notice.set(false);
        spawn_local(async move {
            let request = RevokeRequest { reason, proof: None };
            match api::call_with::<_, CertificateStatus>(&REVOKE_CERTIFICATE, &[&serial], &request).await {
                Ok(_) => {
                    notice.set(true);
                    version.update(|version| *version += 1);
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    // "Renew now": the renewal order placed at once; the page moves to it.
    let renew = move |order_id: String| {
        error.set(None);
        notice.set(false);
        spawn_local(async move {
            match api::call_with::<_, OrderView>(&RENEW_ORDER, &[&order_id], &()).await {
                Ok(renewal) => go(&format!("/console/orders/{}", renewal.id)),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    view! {
        <h1>{order_text(t, |texts| texts.order_title)}</h1>
        {move || error.get().map(|problem| error_line(problem, t))}
        {move || notice.get().then(|| view! { <p class="notice" data-testid="action-done">{order_text(t, |texts| texts.done_action)}</p> })}
        {move || order.get().map(|result| match result {
            Ok(order) => order_view(order, act, revoke, renew).into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

fn order_view(
    order: OrderView,
    act: impl Fn(String, Action, StepSubject) + Copy + 'static,
    revoke: impl Fn(String, RevocationReason) + Copy + Send + Sync + 'static,
    renew: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let state = order.state;
    let renewal = renewal_view(order.clone(), renew);
    let created_at = order.created_at;
    let profile = order.profile;
    let price = money(order.price_cents);
    let recipients = order
        .recipients
        .into_iter()
        .enumerate()
        .map(|(index, recipient)| {
            let downloads = match recipient.certificate_serial {
                Some(serial) => {
                    let links = [DownloadFormat::Pem, DownloadFormat::ChainPem, DownloadFormat::Pkcs7]
                        .into_iter()
                        .map(|format| {
                            let href = DOWNLOAD_CERTIFICATE.url(&[&serial, format.as_str()]);
                            view! { <a href=href download="" data-testid=format!("download-{index}-{}", format.as_str())>
                                {format.as_str()}</a> " " }
                        })
                        .collect_view();
                    let status = match (recipient.revoked_at, recipient.revocation_reason) {
                        (Some(at), Some(reason)) => view! {
                            <p class="revoked" data-testid=format!("revoked-{index}") data-reason=reason.as_str()>
                                {order_text(t, |texts| texts.revoked)} " "
                                {move || format_instant(t.lang(), at)} " ("{move || reason.name(t.lang())}")"
                            </p>
                        }
                        .into_any(),
                        _ => view! { <RevokeControl serial=serial.clone() index revoke /> }.into_any(),
                    };
                    // The certificate's end of validity (the inventory, /console/certificates, lists them all).
                    let ends = recipient.not_after.map(|not_after| view! {
                        <p data-testid=format!("not-after-{index}") data-not-after=not_after.to_string()>
                            {move || t.lang().pick("Ends ", "Fin de validité : ")}
                            {move || format_instant(t.lang(), not_after)}</p>
                    });
                    let subject = view! { <SubjectNamePanel serial=serial.clone() /> };
                    view! { {ends} {links} {subject} {status} }.into_any()
                }
                None => match recipient.issuance_refusal {
                    // Refused by the issuance pipeline after placement: why, as the Worker said it.
                    Some(refusal) => view! {
                        <p class="refused" data-testid=format!("refused-{index}") data-code=refusal.code.clone()>
                            {order_text(t, |texts| texts.issuance_refused)} " " {refusal.message}
                        </p>
                    }
                    .into_any(),
                    None => view! { <span data-testid=format!("not-issued-{index}")>{order_text(t, |texts| texts.not_issued)}</span> }
                        .into_any(),
                },
            };
            view! {
                <tr data-testid="order-recipient" data-email=recipient.email.clone()>
                    <td>{recipient.common_name}</td><td>{recipient.email.clone()}</td>
                    <td>{recipient.dns_names.join(", ")}</td><td>{downloads}</td>
                </tr>
            }
        })
        .collect_view();
    let order_id = order.id.clone();
    let steps = order.steps.into_iter().map(move |step| step_view(order_id.clone(), step, act)).collect_view();
    view! {
        <dl class="facts" data-testid="order" data-id=order.id.clone() data-state=state.as_str()>
            <dt>{order_text(t, |texts| texts.order_number)}</dt><dd data-testid="order-id">{order.id.clone()}</dd>
            <dt>{order_text(t, |texts| texts.state)}</dt><dd data-testid="order-state">{move || state_label(t.lang(), state)}</dd>
            <dt>{order_text(t, |texts| texts.placed_at)}</dt><dd>{move || format_instant(t.lang(), created_at)}</dd>
            <dt>{order_text(t, |texts| texts.profile)}</dt><dd>{move || profile.profile().display_name(t.lang())}</dd>
            <dt>{order_text(t, |texts| texts.organization)}</dt><dd>{order.organization_name}</dd>
            <dt>{order_text(t, |texts| texts.validity)}</dt><dd>{move || i18n::count(t.lang(), order.validity_days, Unit::Day)}</dd>
            <dt>{order_text(t, |texts| texts.price)}</dt><dd>{price}</dd>
        </dl>
        {renewal}
        <h2>{order_text(t, |texts| texts.recipients)}</h2>
        <table class="list" data-testid="order-recipients">
            <thead><tr><th>{order_text(t, |texts| texts.recipient_name)}</th><th>{order_text(t, |texts| texts.email)}</th>
                <th>{order_text(t, |texts| texts.dns_names)}</th><th>{order_text(t, |texts| texts.downloads)}</th></tr></thead>
            <tbody>{recipients}</tbody>
        </table>
        <h2>{order_text(t, |texts| texts.pipeline)}</h2>
        <ol class="pipeline" data-testid="pipeline">{steps}</ol>
    }
}

/// What the order page says of renewal: the order this one renews (its pipeline, below, says what it waits for),
/// the renewal placed for it, or the renewals left with the "Renew now" button.
fn renewal_view(order: OrderView, renew: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let t = use_i18n();
    let link = |id: &str| view! { <a href=format!("/console/orders/{id}")>{id.to_owned()}</a> };
    let renewal_of = order.renewal_of.as_deref().map(|renewed| {
        view! { <p data-testid="renewal-of" data-id=renewed.to_owned()>
        {move || t.lang().pick("This order is a renewal of order ", "Cette commande renouvelle la commande ")}
        {link(renewed)}
        {move || t.lang().pick(
            ". New keys are made on the recipients' devices; the steps below say what it waits for.",
            ". De nouvelles clés sont créées sur les appareils des destinataires ; les étapes ci-dessous disent ce \
             qu’elle attend.",
        )}</p> }
    });
    let renewed_by = order.renewed_by.as_deref().map(|renewal| {
        view! { <p data-testid="renewed-by" data-id=renewal.to_owned()>
        {move || t.lang().pick("Renewed by order ", "Renouvelée par la commande ")}{link(renewal)}</p> }
    });
    let left = order.auto_renewals;
    let offered = order.renewed_by.is_none() && left > 0 && order.state == OrderState::Completed;
    let order_id = order.id.clone();
    let button = offered.then(|| {
        view! { <p data-testid="renewals-left" data-left=left.to_string()>
        {move || t.lang().pick("Automatic renewals left: ", "Renouvellements automatiques restants : ")}{left}
        " " <button type="button" data-testid="renew-now" on:click=move |_| renew(order_id.clone())>
            {move || t.lang().pick("Renew now", "Renouveler maintenant")}</button></p> }
    });
    view! { {renewal_of} {renewed_by} {button} }
}

/// Revoking one issued certificate: a button that opens the reasons a subscriber may give (RFC 5280 names) and a
/// warning, then a confirmation. The Worker checks the caller belongs to the ordering account.
#[component]
fn RevokeControl(
    /// The certificate's serial.
    serial: String,
    /// The recipient's place in the order (test identifiers).
    index: usize,
    /// Sends the revocation.
    revoke: impl Fn(String, RevocationReason) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let open = RwSignal::new(false);
    let reason = RwSignal::new(RevocationReason::Unspecified);
    let options = move || {
        RevocationReason::ALL
            .into_iter()
            .filter(|option| option.subscriber_may_give())
            .map(|option| view! { <option value=option.as_str()>{move || option.name(t.lang())}</option> })
            .collect_view()
    };
    let serial = StoredValue::new(serial);
    move || {
        if !open.get() {
            return view! {
                <button type="button" class="secondary" data-testid=format!("revoke-{index}")
                    on:click=move |_| open.set(true)>{order_text(t, |texts| texts.revoke)}</button>
            }
            .into_any();
        }
        view! {
            <div class="revoke" data-testid=format!("revoke-form-{index}")>
                <label>{order_text(t, |texts| texts.revoke_reason)} " "
                    <select data-testid=format!("revoke-reason-{index}") on:change=move |event| {
                        if let Some(chosen) = RevocationReason::parse(&event_target_value(&event)) {
                            reason.set(chosen);
                        }
                    }>{options}</select></label>
                <p class="hint">{order_text(t, |texts| texts.revoke_warning)}</p>
                <button type="button" class="danger" data-testid=format!("revoke-confirm-{index}")
                    on:click=move |_| revoke(serial.get_value(), reason.get_untracked())>
                    {order_text(t, |texts| texts.revoke_confirm)}</button> " "
                <button type="button" class="secondary" on:click=move |_| open.set(false)>
                    {order_text(t, |texts| texts.revoke_keep)}</button>
            </div>
        }
        .into_any()
    }
}

fn subject_label(lang: Lang, subject: &StepSubject) -> String {
    let texts = order_texts(lang);
    match subject {
        StepSubject::Organization => texts.step_organization.to_owned(),
        StepSubject::Domain { domain } => format!("{} {domain}", texts.step_domain),
        StepSubject::Mailbox { email } => format!("{} {email}", texts.step_mailbox),
        StepSubject::Payment => texts.step_payment.to_owned(),
        StepSubject::Recipient { index, email } => format!("{} {} ({email})", texts.step_recipient, index + 1),
    }
}

fn step_view(
    order_id: String,
    step: Step,
    act: impl Fn(String, Action, StepSubject) + Copy + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let subject = step.subject.clone();
    let state_name = match &step.state {
        StepState::Done { .. } => "done",
        StepState::Waiting { .. } => "waiting",
        StepState::Failed { .. } => "failed",
    };
    let state = step.state.clone();
    let detail = move |lang: Lang| match &state {
        StepState::Done { at } => done_at(lang, &format_instant(lang, *at)),
        StepState::Waiting { who, blocked_by: blockers } => {
            let line = who_acts(lang, actor_label(lang, *who));
            if blockers.is_empty() {
                line
            } else {
                let names: Vec<String> = blockers.iter().map(|blocker| subject_label(lang, blocker)).collect();
                format!("{line}. {}", blocked_by(lang, &names.join(", ")))
            }
        }
        StepState::Failed { reason } => reason.clone(),
    };
    let actions = step
        .actions
        .iter()
        .map(|action| {
            let action = *action;
            let order_id = order_id.clone();
            let subject = subject.clone();
            let testid = match (&subject, action) {
                (StepSubject::Recipient { index, .. }, Action::ResendEmail) => format!("resend-{index}"),
                (_, Action::CancelOrder) => "cancel-order".to_owned(),
                (_, Action::ChangeValidationMethod) => "change-method".to_owned(),
                _ => "action".to_owned(),
            };
            view! { <button type="button" data-testid=testid
                on:click=move |_| act(order_id.clone(), action, subject.clone())>{move || action_label(t.lang(), action)}</button> " " }
        })
        .collect_view();
    let label_subject = subject.clone();
    view! {
        <li class=format!("step step-{state_name}") data-testid="step" data-state=state_name>
            <strong>{move || subject_label(t.lang(), &label_subject)}</strong>
            <span>{move || detail(t.lang())}</span>
            " " {actions}
        </li>
    }
}

/// `/console/orders`: the history, newest first, with a search box, a state filter and pages.
#[component]
pub fn OrdersPage() -> impl IntoView {
    let t = use_i18n();
    let query = RwSignal::new(String::new());
    let status = RwSignal::new(None::<OrderState>);
    let page = RwSignal::new(1u32);
    let applied = RwSignal::new((String::new(), None::<OrderState>));
    let orders = LocalResource::new(move || {
        let (query, status) = applied.get();
        let page = page.get();
        let page = page.to_string();
        let mut parameters = vec![("page", page.as_str())];
        if !query.trim().is_empty() {
            parameters.push(("query", query.trim()));
        }
        if let Some(status) = status {
            parameters.push(("status", status.as_str()));
        }
        api::call_with_query::<OrderList>(&LIST_ORDERS, &[], &parameters)
    });
    let search = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        page.set(1);
        applied.set((query.get_untracked(), status.get_untracked()));
    };
    let states = move || {
        let lang = t.lang();
        OrderState::ALL
            .into_iter()
            .map(|state| view! { <option value=state.as_str() selected=move || status.get() == Some(state)>{state_label(lang, state)}</option> })
            .collect_view()
    };
    view! {
        <h1>{order_text(t, |texts| texts.orders_title)}</h1>
        <p><a href="/console/orders/new" data-testid="new-order">{order_text(t, |texts| texts.nav_new_order)}</a></p>
        <form class="search" on:submit=search data-testid="order-search" role="search">
            <label>{order_text(t, |texts| texts.search)}
                <input type="search" data-testid="search" bind:value=query placeholder=order_text(t, |texts| texts.search_hint) /></label>
            <label>{order_text(t, |texts| texts.status_filter)}
                <select data-testid="status-filter" on:change=move |event| {
                    status.set(OrderState::parse(&event_target_value(&event)));
                    page.set(1);
                    applied.set((query.get_untracked(), status.get_untracked()));
                }>
                    <option value="">{order_text(t, |texts| texts.all_states)}</option>
                    {states}
                </select></label>
            <button type="submit" data-testid="search-submit">{order_text(t, |texts| texts.search)}</button>
        </form>
        {move || orders.get().map(|result| match result {
            Ok(list) => history(list, page).into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

fn history(list: OrderList, page: RwSignal<u32>) -> impl IntoView {
    let t = use_i18n();
    let current = list.page;
    let has_more = list.has_more;
    let empty = list.orders.is_empty();
    let rows = list
        .orders
        .into_iter()
        .map(|order| {
            let state = order.state;
            let created_at = order.created_at;
            let href = format!("/console/orders/{}", order.id);
            view! {
                <tr data-testid="order-row" data-id=order.id.clone() data-state=state.as_str()>
                    <td><a href=href>{order.id.clone()}</a></td>
                    <td>{move || format_instant(t.lang(), created_at)}</td>
                    <td>{move || state_label(t.lang(), state)}</td>
                    <td>{move || order.profile.profile().display_name(t.lang())}</td>
                    <td>{order.first_recipient.clone()}</td>
                    <td>{order.recipient_count}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {empty.then(|| view! { <p data-testid="no-orders">{order_text(t, |texts| texts.no_orders)}</p> })}
        <table class="list" data-testid="orders">
            <thead><tr>
                <th>{order_text(t, |texts| texts.order_number)}</th><th>{order_text(t, |texts| texts.placed_at)}</th>
                <th>{order_text(t, |texts| texts.state)}</th><th>{order_text(t, |texts| texts.profile)}</th>
                <th>{order_text(t, |texts| texts.first_recipient)}</th><th>{order_text(t, |texts| texts.recipient_count)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pages" aria-label="Pages">
            <button type="button" data-testid="previous-page" disabled={current <= 1} on:click=move |_| page.set(current - 1)>
                {order_text(t, |texts| texts.previous)}</button>
            " " <span data-testid="page">{move || page_number(t.lang(), current)}</span> " "
            <button type="button" data-testid="next-page" disabled=!has_more on:click=move |_| page.set(current + 1)>
                {order_text(t, |texts| texts.next)}</button>
        </nav>
    }
}
