//! `/console/certificates`: the account's certificate inventory (`GET /api/v1/certificates`): search by serial,
//! address, DNS name or order number, the expiring-within filters (7, 30, 90 days), pages, and the CSV export of
//! the same search (a same-origin link, so the session cookie carries it). Each line offers the certificate's subject
//! name in four forms with copy buttons ([`super::subject_name`]). English and French.

use leptos::prelude::*;
use shared::api::ApiError;
use shared::api::inventory::{CertificateState, ExpiringWithin, Inventory, InventoryEntry, LIST_CERTIFICATES};
use shared::api::reissue::{
    REISSUE_CERTIFICATE, Reissue, ReissueSettings, SHOW_REISSUE_SETTINGS, UPDATE_REISSUE_SETTINGS,
};
use shared::lang::Lang;

use super::subject_name::SubjectNamePanel;
use crate::api;
use crate::i18n::{error_line, format_instant, use_i18n};

/// A state as the page names it.
pub fn state_label(lang: Lang, state: CertificateState) -> &'static str {
    match state {
        CertificateState::Issued => lang.pick("Issued", "Émis"),
        CertificateState::Downloaded => lang.pick("Downloaded", "Téléchargé"),
        CertificateState::Installed => lang.pick("Installed", "Installé"),
        CertificateState::Superseded => lang.pick("Superseded", "Remplacé"),
        CertificateState::Revoked => lang.pick("Revoked", "Révoqué"),
        CertificateState::Expired => lang.pick("Expired", "Expiré"),
    }
}

/// The query string of a search: `q`, `expiring_within` and the page or format.
fn parameters(search: &str, expiring: Option<ExpiringWithin>) -> Vec<(&'static str, String)> {
    let mut parameters = Vec::new();
    if !search.trim().is_empty() {
        parameters.push(("q", search.trim().to_owned()));
    }
    if let Some(filter) = expiring {
        parameters.push(("expiring_within", filter.days().to_string()));
    }
    parameters
}

/// The inventory page.
#[component]
pub fn CertificatesPage() -> impl IntoView {
    let t = use_i18n();
    let query = RwSignal::new(String::new());
    let expiring = RwSignal::new(None::<ExpiringWithin>);
    let page = RwSignal::new(1u32);
    let applied = RwSignal::new((String::new(), None::<ExpiringWithin>));
    let inventory = LocalResource::new(move || {
        let (search, expiring) = applied.get();
        let mut query = parameters(&search, expiring);
        query.push(("page", page.get().to_string()));
        let pairs: Vec<(&str, &str)> = query.iter().map(|(name, value)| (*name, value.as_str())).collect();
        api::call_with_query::<Inventory>(&LIST_CERTIFICATES, &[], &pairs)
    });
    let csv_href = move || {
        let (search, expiring) = applied.get();
        let mut query = parameters(&search, expiring);
        query.push(("format", "csv".to_owned()));
        let pairs: Vec<(&str, &str)> = query.iter().map(|(name, value)| (*name, value.as_str())).collect();
        LIST_CERTIFICATES.url_with_query(&[], &pairs)
    };
    let search = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        page.set(1);
        applied.set((query.get_untracked(), expiring.get_untracked()));
    };
    let filters = move || {
        let lang = t.lang();
        ExpiringWithin::ALL
            .into_iter()
            .map(|filter| {
                let label = match filter {
                    ExpiringWithin::Days7 => lang.pick("Ending within 7 days", "Fin dans 7 jours ou moins"),
                    ExpiringWithin::Days30 => lang.pick("Ending within 30 days", "Fin dans 30 jours ou moins"),
                    ExpiringWithin::Days90 => lang.pick("Ending within 90 days", "Fin dans 90 jours ou moins"),
                };
                view! { <option value=filter.days().to_string() selected=move || expiring.get() == Some(filter)>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <h1>{move || t.lang().pick("Certificates", "Certificats")}</h1>
        <form class="search" on:submit=search data-testid="certificate-search" role="search">
            <label>{move || t.lang().pick("Search", "Rechercher")}
                <input type="search" data-testid="search" bind:value=query
                    placeholder=move || t.lang().pick("Serial, address, DNS name or order number",
                        "Numéro de série, adresse, nom DNS ou numéro de commande") /></label>
            <label>{move || t.lang().pick("End of validity", "Fin de validité")}
                <select data-testid="expiring-filter" on:change=move |event| {
                    expiring.set(ExpiringWithin::parse(&event_target_value(&event)));
                    page.set(1);
                    applied.set((query.get_untracked(), expiring.get_untracked()));
                }>
                    <option value="">{move || t.lang().pick("Any", "Toutes")}</option>
                    {filters}
                </select></label>
            <button type="submit" data-testid="search-submit">{move || t.lang().pick("Search", "Rechercher")}</button>
        </form>
        <GraceSetting/>
        <p><a data-testid="csv" href=csv_href download="certificates.csv">
            {move || t.lang().pick("Download as CSV", "Télécharger en CSV")}</a></p>
        <p>{move || t.lang().pick(
            "A certificate shows as installed once its holder tests it: ",
            "Un certificat apparaît comme installé quand son détenteur le teste : ",
        )}<a data-testid="test-enrollment-link" href="/test-enrollment">
            {move || t.lang().pick("test enrollment", "tester l’installation")}</a>
            {move || t.lang().pick(
                " (in the browser with the .p12), `keyward test`, or mTLS.",
                " (dans le navigateur avec le .p12), `keyward test`, ou mTLS.",
            )}</p>
        {move || inventory.get().map(|result| match result {
            Ok(inventory) => listing(inventory, page).into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

/// One inventory line.
fn line(entry: InventoryEntry) -> impl IntoView {
    let t = use_i18n();
    let (state, not_after, profile) = (entry.state, entry.not_after, entry.profile);
    let (serial, serial_attribute) = (entry.serial.clone(), entry.serial.clone());
    let reissue_serial = entry.serial;
    let reissuable =
        matches!(state, CertificateState::Issued | CertificateState::Downloaded | CertificateState::Installed);
    let order_href = format!("/console/orders/{}", entry.order_id);
    let pickup = entry.last_pickup.map(|pickup| {
        let at = pickup.at;
        let by = pickup.describe();
        view! { {move || format_instant(t.lang(), at)} " (" {by} ")" }
    });
    view! {
        <tr data-testid="certificate-row" data-serial=serial_attribute data-state=state.as_str()>
            <td><code>{serial.clone()}</code> <SubjectNamePanel serial=serial /></td>
            <td>{entry.subject}</td>
            <td>{move || profile.profile().display_name(t.lang())}</td>
            <td><a href=order_href>{entry.order_id}</a></td>
            <td>{entry.recipient_email}</td>
            <td data-testid="not-after">{move || format_instant(t.lang(), not_after)}</td>
            <td data-testid="state">{move || state_label(t.lang(), state)}</td>
            <td data-testid="replaced-by">{entry.replaced_by.unwrap_or_default()}</td>
            <td data-testid="last-pickup">{pickup}</td>
            <td>{reissuable.then(|| reissue_button(reissue_serial, t))}</td>
        </tr>
    }
}

fn listing(inventory: Inventory, page: RwSignal<u32>) -> impl IntoView {
    let t = use_i18n();
    let (current, has_more) = (inventory.page, inventory.has_more);
    let empty = inventory.certificates.is_empty();
    let rows = inventory.certificates.into_iter().map(line).collect_view();
    let heading =
        |english: &'static str, french: &'static str| view! { <th>{move || t.lang().pick(english, french)}</th> };
    view! {
        {empty.then(|| view! { <p data-testid="no-certificates">
            {move || t.lang().pick("No certificate matches.", "Aucun certificat ne correspond.")}</p> })}
        <table class="list" data-testid="certificates">
            <thead><tr>
                {heading("Serial", "Numéro de série")} {heading("Subject", "Sujet")} {heading("Profile", "Profil")}
                {heading("Order", "Commande")} {heading("Recipient", "Destinataire")}
                {heading("Ends", "Fin de validité")} {heading("State", "État")}
                {heading("Replaced by", "Remplacé par")} {heading("Last pickup", "Dernier retrait")}
                {heading("Actions", "Actions")}
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pages">
            <button type="button" data-testid="previous-page" disabled={current <= 1} on:click=move |_| page.set(current - 1)>
                {move || t.lang().pick("Previous", "Précédente")}</button>
            " " <span data-testid="page">{move || format!("Page {current}")}</span> " "
            <button type="button" data-testid="next-page" disabled=!has_more on:click=move |_| page.set(current + 1)>
                {move || t.lang().pick("Next", "Suivante")}</button>
        </nav>
    }
}

/// Reissue: a new link to the recipient (same subject and end, no charge); the answer says where it went.
fn reissue_button(serial: String, t: crate::i18n::I18n) -> impl IntoView {
    let outcome: RwSignal<Option<Result<Reissue, ApiError>>> = RwSignal::new(None);
    let ask = move |_| {
        let serial = serial.clone();
        leptos::task::spawn_local(async move {
            outcome.set(Some(api::call::<Reissue>(&REISSUE_CERTIFICATE, &[&serial]).await));
        });
    };
    view! {
        <button type="button" data-testid="reissue" on:click=ask>{move || t.lang().pick("Reissue", "Réémettre")}</button>
        <span data-testid="reissue-outcome" role="status">{move || match outcome.get() {
            Some(Ok(sent)) => t.lang().pick("New link sent to ", "Nouveau lien envoyé à ").to_owned() + &sent.recipient_email,
            Some(Err(problem)) => problem.message,
            None => String::new(),
        }}</span>
    }
}

/// The account's grace period: days a reissued certificate's predecessor stays valid when the new one is not
/// picked up (administrators save it; the Worker refuses anyone else).
#[component]
fn GraceSetting() -> impl IntoView {
    let t = use_i18n();
    let days = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let loaded = LocalResource::new(move || api::call::<ReissueSettings>(&SHOW_REISSUE_SETTINGS, &[]));
    Effect::new(move |_| {
        if let Some(Ok(settings)) = loaded.get() {
            days.set(settings.supersede_grace_days.to_string());
        }
    });
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Ok(supersede_grace_days) = days.get_untracked().trim().parse::<i64>() else {
            message.set(t.lang().pick("Enter a number of days.", "Saisissez un nombre de jours.").to_owned());
            return;
        };
        leptos::task::spawn_local(async move {
            let body = ReissueSettings { supersede_grace_days };
            match api::call_with::<_, ReissueSettings>(&UPDATE_REISSUE_SETTINGS, &[], &body).await {
                Ok(_) => message.set(t.lang().pick("Saved.", "Enregistré.").to_owned()),
                Err(problem) => message.set(problem.message),
            }
        });
    };
    view! {
        <form class="search" data-testid="grace-setting" on:submit=save>
            <label>{move || t.lang().pick(
                "Days a reissued certificate's predecessor stays valid until the new one is picked up",
                "Jours pendant lesquels l’ancien certificat reste valide tant que le nouveau n’est pas récupéré")}
                <input type="number" min="0" max="30" name="supersede_grace_days" data-testid="grace-days" bind:value=days/></label>
            <button type="submit" data-testid="grace-save">{move || t.lang().pick("Save", "Enregistrer")}</button>
            <span role="status" data-testid="grace-message">{move || message.get()}</span>
        </form>
    }
}
