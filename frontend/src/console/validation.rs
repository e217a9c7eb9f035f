//! The validation pages: `/console/organizations` (list, create, where the vetting by the CA's staff stands and
//! the answer to their question, the contact's confirmation by emailed code), `/console/domains` (list, add by constructed email or DNS TXT, check now,
//! resend, change method), `/console/mailboxes` (addresses at public mail providers), and the public page of an
//! emailed validation link, `/validate/{token}`: opening it reads the link (`GET`, which never spends it); only its
//! button confirms (`POST`).
//!
//! What the user types is checked as they type with the shared rules ([`NewOrganization::check`],
//! [`Domain::parse`], [`EmailAddress::parse`], [`is_public_mail_provider`]); the reason is shown next to the field
//! once it was touched, and the Worker's answer replaces it after a submission. Texts are English and French,
//! each pair where it is used ([`Lang::pick`]).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::address::{Domain, EmailAddress, is_public_mail_provider};
use shared::api::domain::{
    CHANGE_DOMAIN_METHOD, CHECK_DOMAIN, CONFIRM_VALIDATION_LINK, CREATE_DOMAIN, CREATE_MAILBOX, DomainList, DomainView,
    LIST_DOMAINS, LIST_MAILBOXES, LinkState, MailboxList, MailboxView, MethodChange, NewDomain, NewMailbox,
    RESEND_DOMAIN, SHOW_VALIDATION_LINK, ValidationLinkView, ValidationState,
};
use shared::api::organization::{
    CHECK_VERIFICATION_CODE, CONTACTS_MAXIMUM, CREATE_ORGANIZATION, CodeEntry, CodeSent, Contact, LIST_ORGANIZATIONS,
    NewOrganization, OrganizationList, OrganizationView, PostalAddress, SEND_VERIFICATION_CODE,
};
use shared::api::vetting::{ANSWER_VETTING, VettingAnswer};
use shared::api::{ApiError, Endpoint};
use shared::validation::{CONSTRUCTED_LOCAL_PARTS, DomainMethod};
use shared::vetting::VettingStatus;

use crate::api;
use crate::i18n::{I18n, Lang, error_line, field_error, format_instant, problem_message, use_i18n};

/// A text in the page language: `words(t, "English", "Français")`.
fn words(t: I18n, english: &'static str, french: &'static str) -> impl Fn() -> &'static str + Copy + 'static {
    move || t.lang().pick(english, french)
}

/// A validation state as people read it.
pub fn state_label(lang: Lang, state: ValidationState) -> &'static str {
    match state {
        ValidationState::NotStarted => lang.pick("Not started", "Non commencée"),
        ValidationState::Pending => lang.pick("Pending", "En attente"),
        ValidationState::RandomValueExpired => {
            lang.pick("Expired: send a new one", "Expirée : envoyez-en une nouvelle")
        }
        ValidationState::Validated => lang.pick("Validated", "Validée"),
        ValidationState::ValidationExpired => {
            lang.pick("Validation ended: validate again", "Validation échue : à refaire")
        }
    }
}

/// The state cell of a list: the state, and until when it holds.
fn state_cell(t: I18n, state: ValidationState, until: Option<i64>) -> impl IntoView {
    let state_name = serde_json::to_value(state).ok().and_then(|value| value.as_str().map(str::to_owned));
    view! {
        <td data-testid="state" data-state=state_name>{move || state_label(t.lang(), state)}
            {move || until.map(|until| format!(" {} {}", t.lang().pick("until", "jusqu’au"), format_instant(t.lang(), until)))}
        </td>
    }
}

/// The problem at `field`, if any: the Worker's answer to the last submission, else the page's own finding once
/// the field was touched or a submission was tried.
#[component]
fn Problem(
    /// The request field (`address.city`).
    field: &'static str,
    /// The Worker's last refusal: every problem it listed.
    server: Signal<Vec<ApiError>>,
    /// The page's own findings.
    local: Signal<Vec<ApiError>>,
    /// Fields touched so far.
    touched: RwSignal<Vec<&'static str>>,
    /// Whether a submission was tried.
    attempted: RwSignal<bool>,
) -> impl IntoView {
    let t = use_i18n();
    move || {
        let at = |problem: &ApiError| problem.field.as_deref() == Some(field);
        let mut problems: Vec<ApiError> = server.get().into_iter().filter(at).collect();
        if problems.is_empty() && (attempted.get() || touched.with(|touched| touched.contains(&field))) {
            problems = local.get().into_iter().filter(at).collect();
        }
        problems
            .into_iter()
            .map(|problem| {
                view! { <p class="error field-error" role="alert" data-testid=format!("error-{field}")
                data-code=problem.code.clone()>{problem_message(&problem, t.lang())}</p> }
            })
            .collect_view()
    }
}

/// A form's single problem (the domain and mailbox forms have one field) as the list [`Problem`] reads.
fn listed(problem: impl Get<Value = Option<ApiError>> + Send + Sync + 'static) -> Signal<Vec<ApiError>> {
    Signal::derive(move || problem.get().into_iter().collect())
}

/// `/console/organizations`.
#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        api::call::<OrganizationList>(&LIST_ORGANIZATIONS, &[])
    });
    let refresh = move || version.update(|version| *version += 1);
    view! {
        <h1>{words(t, "Organizations", "Organisations")}</h1>
        {move || list.get().map(|result| match result {
            Ok(list) => list.organizations.into_iter().map(|organization| view! {
                <OrganizationCard organization=organization refresh=refresh /> }).collect_view().into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
        <h2>{words(t, "Create an organization", "Créer une organisation")}</h2>
        <NewOrganizationForm created=refresh />
    }
}

/// One organization: its facts, its validation, and how to validate it.
#[component]
fn OrganizationCard(
    organization: OrganizationView,
    refresh: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let id = organization.id.clone();
    let state = organization.validation;
    let code = RwSignal::new(String::new());
    let sent = RwSignal::new(None::<CodeSent>);
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let send_id = id.clone();
    let send = move |_| {
        let id = send_id.clone();
        error.set(None);
        working.set(true);
        spawn_local(async move {
            match api::call_with::<_, CodeSent>(&SEND_VERIFICATION_CODE, &[&id], &()).await {
                Ok(answer) => sent.set(Some(answer)),
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let check_id = id.clone();
    let check = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let id = check_id.clone();
        let digits: String = code.get_untracked().chars().filter(char::is_ascii_digit).collect();
        if digits.len() != 8 {
            error.set(Some(field_error(
                "verification_code_malformed",
                "code",
                t.lang_untracked().pick("Enter the 8 digits from the email.", "Saisissez les 8 chiffres de l’e-mail."),
            )));
            return;
        }
        error.set(None);
        working.set(true);
        spawn_local(async move {
            match api::call_with::<_, OrganizationView>(&CHECK_VERIFICATION_CODE, &[&id], &CodeEntry { code: digits })
                .await
            {
                Ok(_) => refresh(),
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let validated = state == ValidationState::Validated;
    let contact = organization.contacts.first().map(|contact| contact.email.clone()).unwrap_or_default();
    let address = organization.address.clone();
    view! {
        <section class="card" data-testid="organization" data-id=id.clone() data-state=format!("{state:?}")>
            <h2>{organization.name.clone()}</h2>
            <table class="list"><tbody><tr>
                <td>{organization.registration_identifier.clone()}</td><td>{organization.country.clone()}</td>
                {state_cell(t, state, organization.validated_until)}
            </tr></tbody></table>
            <p data-testid="address">{address.street.clone()}", "{address.postal_code.clone()}" "
                <span data-testid="address-city">{address.city.clone()}</span>
                {address.state_or_province().map(|region| view! { ", "<span data-testid="address-region">{region}</span> })}
            </p>
            {move || error.get().map(|problem| view! {
                <p class="error" role="alert" data-testid="error" data-code=problem.code.clone()>{problem_message(&problem, t.lang())}</p>
            })}
            <VettingPanel organization=organization.clone() refresh=refresh />
            {(!validated && organization.contact_confirmed_at.is_none()).then(|| view! {
                <p>{move || format!("{} {contact}", t.lang().pick(
                    "Confirm the contact by an emailed code (this validates nothing: the CA’s staff do): Keyward emails 8 digits to the first contact,",
                    "Confirmez le contact par un code envoyé par e-mail (cela ne valide rien : le personnel de l’AC valide) : Keyward envoie 8 chiffres au premier contact,"))}</p>
                <button type="button" data-testid="send-code" disabled=move || working.get() on:click=send.clone()>
                    {words(t, "Send the code", "Envoyer le code")}</button>
                {move || sent.get().map(|sent| view! {
                    <p class="notice" data-testid="code-sent">{move || format!("{} {} ({} {})",
                        t.lang().pick("Code sent to", "Code envoyé à"), sent.sent_to,
                        t.lang().pick("valid until", "valable jusqu’au"), format_instant(t.lang(), sent.expires_at))}</p>
                })}
                {organization.code_attempts_left.map(|left| view! {
                    <p class="hint" data-testid="attempts-left" data-left=left>{move || format!("{} {left}",
                        t.lang().pick("Entries left for the pending code:", "Essais restants pour le code en cours :"))}</p>
                })}
                <form on:submit=check.clone() data-testid="code-form" novalidate>
                    <label>{words(t, "Code from the email", "Code reçu par e-mail")}
                        <input type="text" inputmode="numeric" autocomplete="one-time-code" data-testid="code" bind:value=code /></label>
                    <button type="submit" data-testid="check-code" disabled=move || working.get()>
                        {words(t, "Confirm", "Confirmer")}</button>
                </form>
            })}
        </section>
    }
}

/// Where an organization's vetting by the CA's staff stands, and what happens next, as a sentence (the
/// organizations page and the order form).
pub fn vetting_sentence(lang: Lang, status: &VettingStatus) -> String {
    match status {
        VettingStatus::Validated { until } => format!(
            "{} {}.",
            lang.pick("Validated by the CA’s staff until", "Validée par le personnel de l’AC jusqu’au"),
            format_instant(lang, *until)
        ),
        VettingStatus::Waiting { since } => format!(
            "{} {}). {}",
            lang.pick("Waiting for vetting by the CA’s staff (since", "En attente de vérification par le personnel de l’AC (depuis le"),
            format_instant(lang, *since),
            lang.pick(
                "They check the organization in an official register and call it at a number they find themselves; certificates naming it can be ordered once they validate it.",
                "Il vérifie l’organisation dans un registre officiel et l’appelle à un numéro qu’il trouve lui-même ; les certificats qui la nomment peuvent être commandés une fois validée."
            )
        ),
        VettingStatus::Rejected { reason, .. } => format!(
            "{} {reason} {}",
            lang.pick("Rejected by the CA’s staff:", "Refusée par le personnel de l’AC :"),
            lang.pick("You can answer below; your answer goes back to them.", "Vous pouvez répondre ci-dessous ; la réponse lui est transmise.")
        ),
        VettingStatus::InformationRequested { question, .. } => format!(
            "{} {question} {}",
            lang.pick("More information requested by the CA’s staff:", "Le personnel de l’AC demande des précisions :"),
            lang.pick("Answer below; the organization then goes back to them.", "Répondez ci-dessous ; l’organisation lui est alors transmise de nouveau.")
        ),
    }
}

/// Where the organization's vetting by the CA's staff stands, the contact's confirmation, and the answer form
/// when they rejected it or asked a question (an answer puts it back in their work list).
#[component]
fn VettingPanel(organization: OrganizationView, refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let t = use_i18n();
    let status = organization.vetting.clone();
    let kind = match &status {
        VettingStatus::Validated { .. } => "validated",
        VettingStatus::Waiting { .. } => "waiting",
        VettingStatus::Rejected { .. } => "rejected",
        VettingStatus::InformationRequested { .. } => "information_requested",
    };
    let line = {
        let status = status.clone();
        move || vetting_sentence(t.lang(), &status)
    };
    let confirmed = organization.contact_confirmed_at.zip(organization.contact_confirmed_by.clone());
    let answerable = matches!(status, VettingStatus::Rejected { .. } | VettingStatus::InformationRequested { .. });
    let answer = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<ApiError>::new());
    let working = RwSignal::new(false);
    let id = organization.id.clone();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let id = id.clone();
        let body = VettingAnswer { text: answer.get_untracked() };
        working.set(true);
        spawn_local(async move {
            match api::call_listing_errors::<_, OrganizationView>(&ANSWER_VETTING, &[&id], &body).await {
                Ok(_) => {
                    problems.set(Vec::new());
                    refresh();
                }
                Err(listed) => problems.set(listed),
            }
            working.set(false);
        });
    };
    view! {
        <p class="notice" data-testid="vetting" data-vetting=kind>{line}</p>
        {confirmed.map(|(at, address)| view! {
            <p class="hint" data-testid="contact-confirmed">{move || format!("{} {address} ({}).",
                t.lang().pick("The contact confirmed by code that they speak for the organization:",
                    "Le contact a confirmé par code parler au nom de l’organisation :"),
                format_instant(t.lang(), at))}</p>
        })}
        {answerable.then(|| view! {
            <form on:submit=submit data-testid="vetting-answer-form" novalidate>
                <label>{words(t, "Your answer (and references of documents you can send)", "Votre réponse (et les références des documents que vous pouvez envoyer)")}
                    <textarea data-testid="vetting-answer" bind:value=answer></textarea></label>
                {move || problems.get().into_iter().map(|problem| view! {
                    <p class="error field-error" role="alert" data-testid=format!("error-{}", problem.field.clone().unwrap_or_default())
                        data-code=problem.code.clone()>{problem_message(&problem, t.lang())}</p>
                }).collect_view()}
                <button type="submit" data-testid="send-vetting-answer" disabled=move || working.get()>
                    {words(t, "Send the answer", "Envoyer la réponse")}</button>
            </form>
        })}
    }
}

/// The organization creation form.
#[component]
fn NewOrganizationForm(created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let t = use_i18n();
    let name = RwSignal::new(String::new());
    let registration = RwSignal::new(String::new());
    let country = RwSignal::new(String::new());
    let street = RwSignal::new(String::new());
    let city = RwSignal::new(String::new());
    let postal_code = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    // Each contact: (identity for the list, name, email, telephone).
    let new_contact =
        |id: u32| (id, RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let contacts = RwSignal::new(vec![new_contact(0)]);
    let owner = StoredValue::new(Owner::current().unwrap_or_default());
    let next_contact = StoredValue::new(1u32);
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let attempted = RwSignal::new(false);
    let server = RwSignal::new(Vec::<ApiError>::new());
    let working = RwSignal::new(false);
    let request = move || NewOrganization {
        name: name.get(),
        registration_identifier: registration.get(),
        country: country.get(),
        address: PostalAddress {
            street: street.get(),
            city: city.get(),
            postal_code: postal_code.get(),
            region: region.get(),
        },
        phone: phone.get(),
        contacts: contacts
            .get()
            .iter()
            .map(|(_, name, email, phone)| Contact { name: name.get(), email: email.get(), phone: phone.get() })
            .collect(),
    };
    let local = Signal::derive(move || {
        request()
            .check()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|error| ApiError {
                code: error.code().to_owned(),
                field: Some(error.field().to_owned()),
                message: error.to_string(),
            })
            .collect::<Vec<_>>()
    });
    let shown = Signal::derive(move || server.get());
    let input = move |label: (&'static str, &'static str), field: &'static str, signal: RwSignal<String>| {
        view! {
            <label>{words(t, label.0, label.1)}
                <input type="text" data-testid=format!("organization-{field}") bind:value=signal
                    on:input=move |_| {
                        server.set(Vec::new());
                        if !touched.with_untracked(|touched| touched.contains(&field)) {
                            touched.update(|touched| touched.push(field));
                        }
                    } /></label>
            <Problem field=field server=shown local=local touched=touched attempted=attempted />
        }
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        attempted.set(true);
        if working.get_untracked() || !local.with_untracked(Vec::is_empty) {
            return;
        }
        working.set(true);
        let request = request();
        spawn_local(async move {
            match api::call_listing_errors::<_, OrganizationView>(&CREATE_ORGANIZATION, &[], &request).await {
                Ok(_) => {
                    attempted.set(false);
                    touched.set(Vec::new());
                    for signal in [name, registration, country, street, city, postal_code, region, phone] {
                        signal.set(String::new());
                    }
                    contacts.set(vec![owner.with_value(|owner| owner.with(|| new_contact(0)))]);
                    created();
                }
                Err(problems) => server.set(problems),
            }
            working.set(false);
        });
    };
    view! {
        <form on:submit=submit data-testid="organization-form" novalidate>
            {input(("Legal name", "Raison sociale"), "name", name)}
            {input(("Registration identifier (e.g. NTRGB-12345678)", "Identifiant d’immatriculation (ex. NTRFR-12345678)"), "registration_identifier", registration)}
            {input(("Country (two letters)", "Pays (deux lettres)"), "country", country)}
            {input(("Street", "Rue"), "address.street", street)}
            {input(("City", "Ville"), "address.city", city)}
            {input(("Postal code", "Code postal"), "address.postal_code", postal_code)}
            {input(("State, province or region, in full (optional)", "État, province ou région, en toutes lettres (facultatif)"), "address.region", region)}
            <p class="hint" data-testid="address-in-certificates">{words(t,
                "TLS server certificates state the city and the state, province or region as written here.",
                "Les certificats de serveur TLS indiquent la ville et l’État, la province ou la région tels qu’écrits ici.")}</p>
            {input(("Telephone (international form, +44 …)", "Téléphone (forme internationale, +33 …)"), "phone", phone)}
            <fieldset><legend>{words(t, "Contacts (the first receives the verification code)", "Contacts (le premier reçoit le code de vérification)")}</legend>
                {move || contacts.get().into_iter().enumerate().map(|(index, (id, name, email, phone))| {
                    let contact_input = move |label: (&'static str, &'static str), field: &'static str, signal: RwSignal<String>| view! {
                        <label>{words(t, label.0, label.1)}
                            <input type="text" data-testid=format!("organization-contacts[{index}].{field}") bind:value=signal
                                on:input=move |_| {
                                    server.set(Vec::new());
                                    let key = match field { "name" => "contacts.name", "email" => "contacts.email", _ => "contacts.phone" };
                                    if !touched.with_untracked(|touched| touched.contains(&key)) {
                                        touched.update(|touched| touched.push(key));
                                    }
                                } /></label>
                    };
                    view! {
                        <div class="contact" data-testid=format!("contact-{index}")>
                            {contact_input(("Name", "Nom"), "name", name)}
                            {contact_input(("Email", "E-mail"), "email", email)}
                            {contact_input(("Telephone", "Téléphone"), "phone", phone)}
                            {(index > 0).then(|| view! {
                                <button type="button" data-testid=format!("remove-contact-{index}")
                                    on:click=move |_| contacts.update(|rows| rows.retain(|row| row.0 != id))>
                                    {words(t, "Remove", "Retirer")}</button>
                            })}
                        </div>
                    }
                }).collect_view()}
                <button type="button" data-testid="add-contact" disabled={move || contacts.with(Vec::len) >= CONTACTS_MAXIMUM}
                    on:click=move |_| {
                        let id = next_contact.get_value();
                        next_contact.set_value(id + 1);
                        // The new row's signals belong to the form, not to whatever runs the click.
                        let row = owner.with_value(|owner| owner.with(|| new_contact(id)));
                        contacts.update(|rows| rows.push(row));
                    }>{words(t, "Add a contact", "Ajouter un contact")}</button>
                <Problem field="contacts.name" server=shown local=local touched=touched attempted=attempted />
                <Problem field="contacts.email" server=shown local=local touched=touched attempted=attempted />
                <Problem field="contacts.phone" server=shown local=local touched=touched attempted=attempted />
                <Problem field="contacts" server=shown local=local touched=touched attempted=attempted />
            </fieldset>
            {move || server.get().into_iter().filter(|problem| problem.field.is_none()).map(|problem| error_line(problem, t)).collect_view()}
            <button type="submit" data-testid="organization-submit" disabled=move || working.get()>
                {words(t, "Create", "Créer")}</button>
        </form>
    }
}

/// `/console/domains`.
#[component]
pub fn DomainsPage() -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        api::call::<DomainList>(&LIST_DOMAINS, &[])
    });
    let refresh = move || version.update(|version| *version += 1);
    view! {
        <h1>{words(t, "Domains", "Domaines")}</h1>
        {move || list.get().map(|result| match result {
            Ok(list) => list.domains.into_iter().map(|domain| view! { <DomainCard domain=domain refresh=refresh /> })
                .collect_view().into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
        <h2>{words(t, "Add a domain", "Ajouter un domaine")}</h2>
        <NewDomainForm created=refresh />
    }
}

/// The method choice shared by the add form and the change of method: constructed email (with the address among
/// the five) or DNS TXT.
#[component]
fn MethodChoice(
    /// The domain typed (the addresses are built from it).
    domain: Signal<String>,
    /// `true` for DNS TXT.
    dns: RwSignal<bool>,
    /// The constructed address's local part.
    local_part: RwSignal<String>,
    /// Distinguishes the radio groups of several forms on one page.
    group: String,
) -> impl IntoView {
    let t = use_i18n();
    let addresses = move || {
        let domain = domain.get();
        let domain = domain.trim().to_ascii_lowercase();
        CONSTRUCTED_LOCAL_PARTS
            .iter()
            .map(|local| {
                let local = *local;
                view! { <option value=local selected=move || local_part.get() == local>{format!("{local}@{domain}")}</option> }
            })
            .collect_view()
    };
    view! {
        <label class="choice"><input type="radio" name=group.clone() data-testid="method-email" prop:checked=move || !dns.get()
            on:change=move |_| dns.set(false) />{words(t, "By email to a constructed address", "Par e-mail à une adresse construite")}</label>
        {move || (!dns.get()).then(|| view! {
            <select data-testid="constructed-address" aria-label=words(t, "Constructed address", "Adresse construite") on:change=move |event| local_part.set(event_target_value(&event))>{addresses}</select>
        })}
        <label class="choice"><input type="radio" name=group.clone() data-testid="method-dns" prop:checked=move || dns.get()
            on:change=move |_| dns.set(true) />{words(t, "By a DNS TXT record", "Par un enregistrement DNS TXT")}</label>
    }
}

/// One domain: its state, the record to publish or where the link went, and the actions.
#[component]
fn DomainCard(domain: DomainView, refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let t = use_i18n();
    let id = StoredValue::new(domain.id.clone());
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let changing = RwSignal::new(false);
    let dns = RwSignal::new(domain.method != DomainMethod::DnsTxt);
    let local_part = RwSignal::new(CONSTRUCTED_LOCAL_PARTS[0].to_owned());
    let act = move |endpoint: &'static Endpoint, body: Option<MethodChange>| {
        error.set(None);
        working.set(true);
        let id = id.get_value();
        spawn_local(async move {
            let result = match body {
                Some(body) => api::call_with::<_, DomainView>(endpoint, &[&id], &body).await,
                None => api::call_with::<_, DomainView>(endpoint, &[&id], &()).await,
            };
            match result {
                Ok(_) => refresh(),
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let validated = domain.validation == ValidationState::Validated;
    let record = domain.dns_record.clone().filter(|_| domain.method == DomainMethod::DnsTxt && !validated);
    let sent_to = domain.sent_to.clone().filter(|_| domain.method == DomainMethod::ConstructedEmail && !validated);
    let name = domain.name.clone();
    let expires_at = domain.expires_at;
    let change = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let body = if dns.get_untracked() {
            MethodChange { method: DomainMethod::DnsTxt.as_str().into(), address: None }
        } else {
            MethodChange {
                method: DomainMethod::ConstructedEmail.as_str().into(),
                address: Some(local_part.get_untracked()),
            }
        };
        changing.set(false);
        act(&CHANGE_DOMAIN_METHOD, Some(body));
    };
    let domain_name = Signal::stored(domain.name.clone());
    view! {
        <section class="card" data-testid="domain" data-name=domain.name.clone()>
            <h2>{domain.name.clone()}</h2>
            <table class="list"><tbody><tr>
                <td data-testid="method">{move || match domain.method {
                    DomainMethod::ConstructedEmail => t.lang().pick("Email to a constructed address", "E-mail à une adresse construite"),
                    DomainMethod::DnsTxt => t.lang().pick("DNS TXT record", "Enregistrement DNS TXT"),
                }}</td>
                {state_cell(t, domain.validation, domain.validated_until)}
            </tr></tbody></table>
            {sent_to.map(|sent_to| view! {
                <p data-testid="sent-to">{move || format!("{} {sent_to} ({} {})", t.lang().pick("Link sent to", "Lien envoyé à"),
                    t.lang().pick("works until", "valable jusqu’au"), format_instant(t.lang(), expires_at))}</p>
            })}
            {record.map(|record| {
                view! {
                    <p>{move || format!("{} {name} :", t.lang().pick("Publish this TXT record in the DNS of", "Publiez cet enregistrement TXT dans le DNS de"))}</p>
                    <dl class="facts">
                        <dt>{words(t, "Name", "Nom")}</dt><dd><code data-testid="record-name">{record.name.clone()}</code></dd>
                        <dt>{words(t, "Type", "Type")}</dt><dd><code>{record.record_type.clone()}</code></dd>
                        <dt>{words(t, "Value", "Valeur")}</dt><dd><code data-testid="record-value">{record.value.clone()}</code></dd>
                    </dl>
                    <button type="button" data-testid="check-now" disabled=move || working.get()
                        on:click=move |_| act(&CHECK_DOMAIN, None)>{words(t, "Check now", "Vérifier maintenant")}</button>
                }
            })}
            {(!validated).then(|| view! {
                <button type="button" data-testid="resend" disabled=move || working.get()
                    on:click=move |_| act(&RESEND_DOMAIN, None)>{words(t, "Send again (new value)", "Renvoyer (nouvelle valeur)")}</button>
            })}
            " "
            <button type="button" data-testid="change-method" on:click=move |_| changing.update(|open| *open = !*open)>
                {words(t, "Change the method", "Changer de méthode")}</button>
            {move || changing.get().then(|| view! {
                <form on:submit=change data-testid="method-form" novalidate>
                    <MethodChoice domain=domain_name dns=dns local_part=local_part group=format!("method-{}", id.get_value()) />
                    <button type="submit" data-testid="method-submit">{words(t, "Use this method", "Utiliser cette méthode")}</button>
                </form>
            })}
            {move || error.get().map(|problem| view! {
                <p class="error" role="alert" data-testid="error" data-code=problem.code.clone()>{problem_message(&problem, t.lang())}</p>
            })}
        </section>
    }
}

/// The form that adds a domain.
#[component]
fn NewDomainForm(created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let t = use_i18n();
    let name = RwSignal::new(String::new());
    let dns = RwSignal::new(false);
    let local_part = RwSignal::new(CONSTRUCTED_LOCAL_PARTS[0].to_owned());
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let attempted = RwSignal::new(false);
    let server = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let local = Signal::derive(move || {
        Domain::parse(&name.get()).err().map(|error| ApiError {
            code: error.code().to_owned(),
            field: Some("name".into()),
            message: error.to_string(),
        })
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        attempted.set(true);
        if working.get_untracked() || local.get_untracked().is_some() {
            return;
        }
        working.set(true);
        let request = NewDomain {
            name: name.get_untracked(),
            method: if dns.get_untracked() { DomainMethod::DnsTxt } else { DomainMethod::ConstructedEmail }
                .as_str()
                .into(),
            address: (!dns.get_untracked()).then(|| local_part.get_untracked()),
        };
        spawn_local(async move {
            match api::call_with::<_, DomainView>(&CREATE_DOMAIN, &[], &request).await {
                Ok(_) => {
                    name.set(String::new());
                    attempted.set(false);
                    touched.set(Vec::new());
                    created();
                }
                Err(problem) => server.set(Some(problem)),
            }
            working.set(false);
        });
    };
    view! {
        <form on:submit=submit data-testid="domain-form" novalidate>
            <label>{words(t, "Domain (e.g. example.com)", "Domaine (ex. exemple.fr)")}
                <input type="text" data-testid="domain-name" bind:value=name on:input=move |_| {
                    server.set(None);
                    touched.set(vec!["name"]);
                } /></label>
            <Problem field="name" server=listed(server) local=listed(local) touched=touched attempted=attempted />
            <MethodChoice domain=Signal::derive(move || name.get()) dns=dns local_part=local_part group="new-domain-method".into() />
            {move || server.get().filter(|problem| problem.field.as_deref() != Some("name")).map(|problem| error_line(problem, t))}
            <button type="submit" data-testid="domain-submit" disabled=move || working.get()>{words(t, "Add", "Ajouter")}</button>
        </form>
    }
}

/// `/console/mailboxes`: addresses at public mail providers, validated by a link to themselves.
#[component]
pub fn MailboxesPage() -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        api::call::<MailboxList>(&LIST_MAILBOXES, &[])
    });
    let email = RwSignal::new(String::new());
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let attempted = RwSignal::new(false);
    let server = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let local = Signal::derive(move || {
        let lang = t.lang();
        match EmailAddress::parse(&email.get()) {
            Err(error) => Some(ApiError { code: error.code().to_owned(), field: Some("email".into()), message: error.to_string() }),
            Ok(address) if !is_public_mail_provider(address.domain()) => Some(field_error(
                "mailbox_not_public_provider",
                "email",
                lang.pick(
                    "This address is not at a public mail provider: validate its domain on the domains page instead.",
                    "Cette adresse n’est pas chez un fournisseur de messagerie public : validez plutôt son domaine sur la page des domaines.",
                ),
            )),
            Ok(_) => None,
        }
    });
    // Sends a (new) link to `address`: the form's submit, and each row's resend.
    let send = move |address: String| {
        working.set(true);
        server.set(None);
        spawn_local(async move {
            match api::call_with::<_, MailboxView>(&CREATE_MAILBOX, &[], &NewMailbox { email: address }).await {
                Ok(_) => {
                    email.set(String::new());
                    attempted.set(false);
                    touched.set(Vec::new());
                    version.update(|version| *version += 1);
                }
                Err(problem) => server.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        attempted.set(true);
        if working.get_untracked() || local.get_untracked().is_some() {
            return;
        }
        send(email.get_untracked());
    };
    view! {
        <h1>{words(t, "Mailboxes", "Boîtes aux lettres")}</h1>
        <p class="hint">{words(t,
            "An address at a public mail provider (Gmail, Outlook…) is validated by a link sent to it, valid 24 hours.",
            "Une adresse chez un fournisseur public (Gmail, Outlook…) est validée par un lien qui lui est envoyé, valable 24 heures.")}</p>
        {move || list.get().map(|result| match result {
            Ok(list) => view! {
                <table class="list" data-testid="mailboxes"><tbody>
                    {list.mailboxes.into_iter().map(|mailbox| {
                        // A new link replaces the pending one (the Worker's five-a-day cap applies).
                        let resend = (mailbox.validation != ValidationState::Validated).then(|| {
                            let address = mailbox.email.clone();
                            view! {
                                <button type="button" class="secondary" data-testid="mailbox-resend"
                                    disabled=move || working.get() on:click=move |_| send(address.clone())>
                                    {words(t, "Send a new link", "Envoyer un nouveau lien")}</button>
                            }
                        });
                        view! {
                            <tr data-testid="mailbox" data-email=mailbox.email.clone()>
                                <td>{mailbox.email.clone()}</td>{state_cell(t, mailbox.validation, mailbox.validated_until)}
                                <td>{resend}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody></table>
            }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
        {move || server.get().filter(|problem| problem.field.as_deref() != Some("email")).map(|problem| error_line(problem, t))}
        <form on:submit=submit data-testid="mailbox-form" novalidate>
            <label>{words(t, "Address", "Adresse")}
                <input type="email" data-testid="mailbox-email" bind:value=email on:input=move |_| {
                    server.set(None);
                    touched.set(vec!["email"]);
                } /></label>
            <Problem field="email" server=listed(server) local=listed(local) touched=touched attempted=attempted />
            <button type="submit" data-testid="mailbox-submit" disabled=move || working.get()>
                {words(t, "Send the link", "Envoyer le lien")}</button>
        </form>
    }
}

/// `/validate/{token}`: what the emailed link validates and where it stands; the button confirms it.
#[component]
pub fn ValidationLinkPage(
    /// The token from the path.
    token: String,
) -> impl IntoView {
    let t = use_i18n();
    let read_token = token.clone();
    let link = LocalResource::new(move || api::call::<ValidationLinkView>(&SHOW_VALIDATION_LINK, &[&read_token]));
    let confirmed = RwSignal::new(None::<Result<ValidationLinkView, ApiError>>);
    let working = RwSignal::new(false);
    let confirm = move |_| {
        if working.get_untracked() {
            return;
        }
        working.set(true);
        let confirmation = api::call_with::<_, ValidationLinkView>(&CONFIRM_VALIDATION_LINK, &[&token], &());
        spawn_local(async move {
            confirmed.set(Some(confirmation.await));
            working.set(false);
        });
    };
    let shown = move || confirmed.get().or_else(|| link.get());
    view! {
        <h1>{words(t, "Validation link", "Lien de validation")}</h1>
        {move || shown().map(|result| match result {
            Ok(view) => {
                let pending = view.state == LinkState::Pending;
                let state = serde_json::to_value(view.state).ok().and_then(|value| value.as_str().map(str::to_owned));
                let what = view.kind.clone();
                view! {
                    <section data-testid="validation-link" data-state=state>
                        <dl class="facts">
                            <dt>{words(t, "Validates", "Valide")}</dt>
                            <dd data-testid="link-subject">{move || format!("{} {}", if what == "mailbox" {
                                t.lang().pick("the address", "l’adresse") } else { t.lang().pick("the domain", "le domaine") }, view.subject)}</dd>
                            <dt>{words(t, "Sent to", "Envoyé à")}</dt><dd>{view.sent_to.clone()}</dd>
                            <dt>{words(t, "Sent", "Envoyé le")}</dt><dd>{move || format_instant(t.lang(), view.created_at)}</dd>
                        </dl>
                        <p data-testid="link-message">{view.message.clone()}</p>
                        {pending.then(|| view! {
                            <button type="button" data-testid="confirm" disabled=move || working.get() on:click=confirm.clone()>
                                {words(t, "Confirm", "Confirmer")}</button>
                        })}
                    </section>
                }.into_any()
            }
            Err(problem) => view! {
                <section data-testid="validation-link" data-state="refused">{error_line(problem, t)}</section>
            }.into_any(),
        })}
    }
}
