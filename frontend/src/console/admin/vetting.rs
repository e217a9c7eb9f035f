//! `/console/admin/vetting`: the CA administrators' vetting work list (organizations waiting, longest first, how
//! long they have waited), one organization's details (as the applicant stated them, the contact's confirmation,
//! the applicant's answers, every vetting record) and the decision form: the independent source, the
//! verification call, and validated, rejected with a reason, or more information requested with a question. Each
//! refusal of the Worker is shown next to its field. English and French.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::vetting::{DECIDE_VETTING, SHOW_VETTING, VETTING_WORK_LIST, VettingCase, VettingWorkList};
use shared::vetting::{Decision, VettingForm};
use wasm_bindgen::JsValue;

use crate::api;
use crate::console::validation::vetting_sentence;
use crate::i18n::{I18n, Lang, error_line, format_instant, problem_message, use_i18n};

/// A text in the page language.
fn words(t: I18n, english: &'static str, french: &'static str) -> impl Fn() -> &'static str + Copy + 'static {
    move || t.lang().pick(english, french)
}

/// How long something waited, in days and hours.
fn waited(lang: Lang, seconds: i64) -> String {
    let (days, hours) = (seconds / 86_400, (seconds % 86_400) / 3_600);
    match lang {
        Lang::En => format!("{days} d {hours} h"),
        Lang::Fr => format!("{days}\u{a0}j {hours}\u{a0}h"),
    }
}

/// A decision as people read it.
fn decision_label(lang: Lang, decision: Decision) -> &'static str {
    match decision {
        Decision::Validated => lang.pick("Validated", "Validée"),
        Decision::Rejected => lang.pick("Rejected", "Refusée"),
        Decision::InformationRequested => lang.pick("More information requested", "Précisions demandées"),
    }
}

/// `/console/admin/vetting`.
#[component]
pub fn VettingPage() -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let selected = RwSignal::new(None::<String>);
    let list = LocalResource::new(move || {
        version.track();
        api::call::<VettingWorkList>(&VETTING_WORK_LIST, &[])
    });
    // Shown above the case, so that reading the case again after a decision does not take the notice away.
    let recorded = RwSignal::new(false);
    let decided = move || {
        recorded.set(true);
        version.update(|version| *version += 1);
    };
    view! {
        <h1>{words(t, "Vetting of organizations", "Vérification des organisations")}</h1>
        <p class="hint">{words(t,
            "Validate an organization only after checking it in a register kept or authorized by a government agency (or the GLEIF) and calling it at a number found in an independent source (S/MIME BR 3.2.3).",
            "Ne validez une organisation qu’après l’avoir vérifiée dans un registre tenu ou autorisé par une autorité publique (ou le GLEIF) et l’avoir appelée à un numéro trouvé dans une source indépendante (S/MIME BR 3.2.3).")}</p>
        {move || list.get().map(|result| match result {
            Ok(list) if list.waiting.is_empty() => view! {
                <p data-testid="vetting-empty">{words(t, "No organization is waiting.", "Aucune organisation en attente.")}</p>
            }.into_any(),
            Ok(list) => view! {
                <table class="list" data-testid="vetting-list"><thead><tr>
                    <th>{words(t, "Organization", "Organisation")}</th><th>{words(t, "Account", "Compte")}</th>
                    <th>{words(t, "Identifier", "Identifiant")}</th><th>{words(t, "Waiting for", "En attente depuis")}</th>
                    <th><span class="visually-hidden">"Actions"</span></th>
                </tr></thead><tbody>
                {list.waiting.into_iter().map(|case| {
                    let id = case.organization.id.clone();
                    let open = id.clone();
                    let seconds = case.waiting_seconds.unwrap_or_default();
                    view! {
                        <tr data-testid="vetting-row" data-id=id.clone()>
                            <td>{case.organization.name.clone()}</td><td>{case.account_name.clone()}</td>
                            <td>{case.organization.registration_identifier.clone()}" ("{case.organization.country.clone()}")"</td>
                            <td data-testid="waited">{move || waited(t.lang(), seconds)}</td>
                            <td><button type="button" data-testid="open-case" on:click=move |_| {
                                recorded.set(false);
                                selected.set(Some(open.clone()));
                            }>
                                {words(t, "Open", "Ouvrir")}</button></td>
                        </tr>
                    }
                }).collect_view()}
                </tbody></table>
            }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
        {move || recorded.get().then(|| view! {
            <p class="notice" data-testid="vetting-recorded">{words(t, "The decision is recorded and the applicant emailed.", "La décision est enregistrée et le demandeur prévenu par e-mail.")}</p>
        })}
        {move || selected.get().map(|id| view! { <CaseView id=id version=version decided=decided /> })}
    }
}

/// One organization's case: its details, answers, records, and the decision form.
#[component]
fn CaseView(
    /// The organization.
    id: String,
    /// Bumped after each decision, to read the case again.
    version: RwSignal<u32>,
    /// Called after a decision was recorded.
    decided: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let read_id = id.clone();
    let case = LocalResource::new(move || {
        version.track();
        api::call::<VettingCase>(&SHOW_VETTING, &[&read_id])
    });
    view! {
        {move || case.get().map(|result| match result {
            Ok(case) => view! { <CaseDetails case=case /> <DecisionForm id=id.clone() decided=decided /> }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

/// What the applicant stated, the contact's confirmation, the answers and every record.
#[component]
fn CaseDetails(case: VettingCase) -> impl IntoView {
    let t = use_i18n();
    let organization = case.organization.clone();
    let address = organization.address.clone();
    let status = case.status.clone();
    let confirmed = organization.contact_confirmed_at.zip(organization.contact_confirmed_by.clone());
    view! {
        <section class="card" data-testid="vetting-case" data-id=organization.id.clone()>
            <h2>{organization.name.clone()}</h2>
            <p data-testid="case-status">{move || vetting_sentence(t.lang(), &status)}</p>
            <table class="list"><tbody>
                <tr><th>{words(t, "Account", "Compte")}</th><td data-testid="case-account">{case.account_name.clone()}</td></tr>
                <tr><th>{words(t, "Registration identifier", "Identifiant d’enregistrement")}</th>
                    <td data-testid="case-identifier">{organization.registration_identifier.clone()}</td></tr>
                <tr><th>{words(t, "Country", "Pays")}</th><td>{organization.country.clone()}</td></tr>
                <tr><th>{words(t, "Address", "Adresse")}</th><td>{format!("{}, {} {}, {}", address.street, address.postal_code,
                    address.city, address.region)}</td></tr>
                <tr><th>{words(t, "Telephone (as stated by the applicant)", "Téléphone (déclaré par le demandeur)")}</th>
                    <td>{organization.phone.clone()}</td></tr>
                <tr><th>{words(t, "Contacts", "Contacts")}</th><td>{organization.contacts.iter()
                    .map(|contact| format!("{} <{}> {}", contact.name, contact.email, contact.phone)).collect::<Vec<_>>().join("; ")}</td></tr>
                <tr><th>{words(t, "Contact’s confirmation by code", "Confirmation du contact par code")}</th>
                    <td data-testid="case-confirmation">{move || match &confirmed {
                        Some((at, address)) => format!("{address} ({})", format_instant(t.lang(), *at)),
                        None => t.lang().pick("none", "aucune").to_owned(),
                    }}</td></tr>
            </tbody></table>
            <h3>{words(t, "The applicant’s answers", "Réponses du demandeur")}</h3>
            <ul data-testid="case-answers">{case.answers.iter().map(|answer| {
                let (at, text, who) = (answer.answered_at, answer.text.clone(), answer.answered_by_name.clone());
                view! { <li data-testid="case-answer">{move || format!("{} — {who}: ", format_instant(t.lang(), at))}{text.clone()}</li> }
            }).collect_view()}</ul>
            <h3>{words(t, "Vetting records", "Enregistrements de vérification")}</h3>
            <ul data-testid="case-records">{case.records.iter().map(|record| {
                let record = record.clone();
                view! { <li data-testid="case-record" data-decision=record.decision.as_str()>{move || format!(
                    "{} — {} ({}): {}{}{}",
                    format_instant(t.lang(), record.recorded_at),
                    decision_label(t.lang(), record.decision),
                    record.recorded_by_name,
                    record.message,
                    record.source_name.as_ref().map(|source| format!(" [{source}: {} {}]",
                        record.source_reference.clone().unwrap_or_default(),
                        record.registration_number.clone().unwrap_or_default())).unwrap_or_default(),
                    record.call_phone.as_ref().map(|phone| format!(" [{phone}, {}, {}]",
                        record.call_phone_source.clone().unwrap_or_default(),
                        record.call_spoke_with.clone().unwrap_or_default())).unwrap_or_default(),
                )}</li> }
            }).collect_view()}</ul>
        </section>
    }
}

/// A `datetime-local` value (the browser's local time) as Unix seconds; `None` when empty or unreadable.
fn local_instant(value: &str) -> Option<i64> {
    if value.trim().is_empty() {
        return None;
    }
    let milliseconds = js_sys::Date::new(&JsValue::from_str(value)).get_time();
    // Instants stay far below 2^53 milliseconds; NaN (unreadable) is refused.
    (!milliseconds.is_nan()).then(|| (milliseconds / 1000.0).floor() as i64)
}

/// The decision form; the Worker's refusals are shown next to their fields.
#[component]
fn DecisionForm(id: String, decided: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let t = use_i18n();
    let decision = RwSignal::new(String::from("validated"));
    let fields: [(&'static str, RwSignal<String>); 8] = [
        ("source_name", RwSignal::new(String::new())),
        ("source_reference", RwSignal::new(String::new())),
        ("registration_number", RwSignal::new(String::new())),
        ("call_phone", RwSignal::new(String::new())),
        ("call_phone_source", RwSignal::new(String::new())),
        ("call_spoke_with", RwSignal::new(String::new())),
        ("message", RwSignal::new(String::new())),
        ("notes", RwSignal::new(String::new())),
    ];
    let call_at = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<ApiError>::new());
    let working = RwSignal::new(false);
    let value = move |name: &str| {
        fields.iter().find(|(field, _)| *field == name).map(|(_, signal)| signal.get_untracked()).unwrap_or_default()
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let form = VettingForm {
            decision: Decision::parse(&decision.get_untracked()),
            source_name: value("source_name"),
            source_reference: value("source_reference"),
            registration_number: value("registration_number"),
            call_phone: value("call_phone"),
            call_phone_source: value("call_phone_source"),
            call_spoke_with: value("call_spoke_with"),
            call_at: local_instant(&call_at.get_untracked()),
            message: value("message"),
            notes: value("notes"),
        };
        let id = id.clone();
        working.set(true);
        spawn_local(async move {
            match api::call_listing_errors::<_, VettingCase>(&DECIDE_VETTING, &[&id], &form).await {
                Ok(_) => {
                    problems.set(Vec::new());
                    decided();
                }
                Err(listed) => problems.set(listed),
            }
            working.set(false);
        });
    };
    let problem_at = move |field: &'static str| {
        move || {
            problems
                .get()
                .into_iter()
                .filter(|problem| problem.field.as_deref() == Some(field))
                .map(|problem| {
                    view! {
                        <p class="error field-error" role="alert" data-testid=format!("error-{field}")
                            data-code=problem.code.clone()>{problem_message(&problem, t.lang())}</p>
                    }
                })
                .collect_view()
        }
    };
    let label = move |field: &'static str| -> (&'static str, &'static str) {
        match field {
            "source_name" => ("Independent source (register)", "Source indépendante (registre)"),
            "source_reference" => ("Its https:// URL or reference", "Son URL https:// ou sa référence"),
            "registration_number" => ("Registration number found there", "Numéro d’enregistrement trouvé"),
            "call_phone" => ("Number called (international form)", "Numéro appelé (format international)"),
            "call_phone_source" => ("Where the number was found", "Où le numéro a été trouvé"),
            "call_spoke_with" => ("Who answered (name and role)", "Interlocuteur (nom et fonction)"),
            "message" => (
                "Reason (rejected) or question (more information), which the applicant sees",
                "Motif (refus) ou question (précisions), visible du demandeur",
            ),
            _ => ("Notes for the CA’s staff", "Notes pour le personnel de l’AC"),
        }
    };
    let inputs = fields
        .into_iter()
        .map(|(field, signal)| {
            let (english, french) = label(field);
            view! {
                <label>{words(t, english, french)}
                    <input type="text" data-testid=format!("vetting-{field}") bind:value=signal /></label>
                {problem_at(field)}
            }
        })
        .collect_view();
    view! {
        <form on:submit=submit data-testid="vetting-form" novalidate>
            <h3>{words(t, "Decision", "Décision")}</h3>
            <label>{words(t, "Decision", "Décision")}
                <select data-testid="vetting-decision" on:change=move |event| decision.set(event_target_value(&event))>
                    {[Decision::Validated, Decision::Rejected, Decision::InformationRequested].into_iter().map(|choice| view! {
                        <option value=choice.as_str()>{move || decision_label(t.lang(), choice)}</option>
                    }).collect_view()}
                </select></label>
            {problem_at("decision")}
            {inputs}
            <label>{words(t, "When the call was made", "Date et heure de l’appel")}
                <input type="datetime-local" step="1" data-testid="vetting-call_at" bind:value=call_at /></label>
            {problem_at("call_at")}
            {move || problems.get().into_iter().filter(|problem| problem.field.is_none()).map(|problem| view! {
                <p class="error" role="alert" data-testid="vetting-error" data-code=problem.code.clone()>{problem_message(&problem, t.lang())}</p>
            }).collect_view()}
            <button type="submit" data-testid="record-vetting" disabled=move || working.get()>
                {words(t, "Record the decision", "Enregistrer la décision")}</button>
        </form>
    }
}
