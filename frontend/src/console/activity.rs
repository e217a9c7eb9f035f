//! `/console/activity` (organization administrators): the account's audit trail, sealed records newest first, with
//! filters (who, on what, which action, between which dates), pages, the chain's current head (to note and check a
//! later export against) and the JSON lines export that `cargo xtask audit-verify` checks. [`AuditBrowser`] is
//! also the CA administrators' page (`admin/audit.rs`), with a filter on the account.

use leptos::prelude::*;
use shared::api::Endpoint;
use shared::api::audit::{AuditList, EXPORT_AUDIT, LIST_AUDIT};

use crate::api;
use crate::i18n::{Lang, error_line, format_instant, use_i18n};

/// The activity pages' texts in one language.
pub struct ActivityTexts {
    /// The organization page's title.
    pub title: &'static str,
    /// What the page shows.
    pub intro: &'static str,
    /// The CA administrators' page's title.
    pub admin_title: &'static str,
    /// What the CA administrators' page shows.
    pub admin_intro: &'static str,
    /// The account filter.
    pub account: &'static str,
    /// The actor filter.
    pub actor: &'static str,
    /// The object filter.
    pub object: &'static str,
    /// The action filter.
    pub action: &'static str,
    /// The start date.
    pub from: &'static str,
    /// The end date.
    pub until: &'static str,
    /// The filter button.
    pub apply: &'static str,
    /// The time column.
    pub when: &'static str,
    /// The detail column.
    pub detail: &'static str,
    /// The sequence column.
    pub sequence: &'static str,
    /// No record matches.
    pub none: &'static str,
    /// The export link.
    pub export: &'static str,
    /// Before the head.
    pub head: &'static str,
    /// The previous page.
    pub previous: &'static str,
    /// The next page.
    pub next: &'static str,
    /// The navigation entry.
    pub nav: &'static str,
}

const EN: ActivityTexts = ActivityTexts {
    title: "Activity",
    intro: "Everything done in this account, newest first. Each record carries the hash of the one before it, so a \
            record changed, removed or moved later is detected: export the chain and check it with \
            `cargo xtask audit-verify FILE`. Records appear within a minute.",
    admin_title: "Audit log",
    admin_intro: "The audit records of every account and of the CA (account ca), newest first.",
    account: "Account (its id, or ca)",
    actor: "Who (user:…, api_key:…)",
    object: "On what (an order number, a serial, an id)",
    action: "Action (api_key.created, or api_key.)",
    from: "From",
    until: "Until",
    apply: "Filter",
    when: "When",
    detail: "Detail",
    sequence: "No.",
    none: "No record matches.",
    export: "Export the chain (JSON lines)",
    head: "The chain's head, to note and check a later export against:",
    previous: "Previous",
    next: "Next",
    nav: "Activity",
};

const FR: ActivityTexts = ActivityTexts {
    title: "Activité",
    intro: "Tout ce qui a été fait dans ce compte, du plus récent au plus ancien. Chaque entrée porte l’empreinte de \
            la précédente : une entrée modifiée, supprimée ou déplacée par la suite est détectée. Exportez la chaîne \
            et vérifiez-la avec `cargo xtask audit-verify FICHIER`. Les entrées apparaissent en moins d’une minute.",
    admin_title: "Journal d’audit",
    admin_intro: "Les entrées d’audit de tous les comptes et de l’AC (compte ca), de la plus récente à la plus ancienne.",
    account: "Compte (son identifiant, ou ca)",
    actor: "Qui (user:…, api_key:…)",
    object: "Sur quoi (un numéro de commande, un numéro de série, un identifiant)",
    action: "Action (api_key.created, ou api_key.)",
    from: "Du",
    until: "Au",
    apply: "Filtrer",
    when: "Quand",
    detail: "Détail",
    sequence: "N°",
    none: "Aucune entrée ne correspond.",
    export: "Exporter la chaîne (lignes JSON)",
    head: "La tête de la chaîne, à noter pour vérifier un export ultérieur :",
    previous: "Précédente",
    next: "Suivante",
    nav: "Activité",
};

/// The activity texts in `lang`.
pub fn activity_texts(lang: Lang) -> &'static ActivityTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// `/console/activity`: the account's own chain.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let t = use_i18n();
    view! {
        <h1>{move || activity_texts(t.lang()).title}</h1>
        <p class="hint">{move || activity_texts(t.lang()).intro}</p>
        <AuditBrowser list=&LIST_AUDIT export=&EXPORT_AUDIT with_account=false />
    }
}

/// A day typed in a date field (`YYYY-MM-DD`) as the Unix second its UTC midnight starts, plus `days`.
fn day_start(value: &str, days: i64) -> Option<i64> {
    let milliseconds = js_sys::Date::parse(value.trim());
    (!milliseconds.is_nan()).then(|| (milliseconds / 1000.0) as i64 + days * 86_400)
}

/// The filters, the records and the export link of one audit endpoint. `with_account`: the account filter (CA
/// administrators); the export then needs an account chosen.
#[component]
pub fn AuditBrowser(list: &'static Endpoint, export: &'static Endpoint, with_account: bool) -> impl IntoView {
    let t = use_i18n();
    let fields: [RwSignal<String>; 6] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let [account, actor, object, action, from, until] = fields;
    let applied = RwSignal::new(Vec::<(&'static str, String)>::new());
    let page = RwSignal::new(1u32);
    let records = LocalResource::new(move || {
        let mut query = applied.get();
        query.push(("page", page.get().to_string()));
        async move {
            let pairs: Vec<(&str, &str)> = query.iter().map(|(name, value)| (*name, value.as_str())).collect();
            api::call_with_query::<AuditList>(list, &[], &pairs).await
        }
    });
    let apply = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut query = Vec::new();
        for (name, signal) in [("account", account), ("actor", actor), ("object", object), ("action", action)] {
            let value = signal.get_untracked();
            if !value.trim().is_empty() {
                query.push((name, value.trim().to_owned()));
            }
        }
        if let Some(start) = day_start(&from.get_untracked(), 0) {
            query.push(("from", start.to_string()));
        }
        if let Some(end) = day_start(&until.get_untracked(), 1) {
            query.push(("until", end.to_string()));
        }
        page.set(1);
        applied.set(query);
    };
    let export_href = move || {
        let chosen = applied.get().into_iter().find(|(name, _)| *name == "account").map(|(_, value)| value);
        match (with_account, chosen) {
            (false, _) => Some(export.url(&[])),
            (true, Some(chain)) => Some(export.url_with_query(&[], &[("account", &chain)])),
            (true, None) => None,
        }
    };
    let input = move |name: &'static str,
                      label: fn(&'static ActivityTexts) -> &'static str,
                      signal: RwSignal<String>| {
        let kind = if matches!(name, "from" | "until") { "date" } else { "text" };
        view! {
            <label>{move || label(activity_texts(t.lang()))}
                <input type=kind data-testid=format!("audit-{name}") maxlength="254" bind:value=signal /></label> " "
        }
    };
    view! {
        <form class="search" on:submit=apply data-testid="audit-filters" role="search">
            {with_account.then(|| input("account", |texts| texts.account, account))}
            {input("actor", |texts| texts.actor, actor)}
            {input("object", |texts| texts.object, object)}
            {input("action", |texts| texts.action, action)}
            {input("from", |texts| texts.from, from)}
            {input("until", |texts| texts.until, until)}
            <button type="submit" data-testid="audit-apply">{move || activity_texts(t.lang()).apply}</button>
        </form>
        {move || export_href().map(|href| view! {
            <p><a href=href download="" data-testid="audit-export">{move || activity_texts(t.lang()).export}</a></p>
        })}
        {move || records.get().map(|result| match result {
            Ok(list) => records_table(list, page).into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

fn records_table(list: AuditList, page: RwSignal<u32>) -> impl IntoView {
    let t = use_i18n();
    let texts = move || activity_texts(t.lang());
    let (current, has_more, empty) = (list.page, list.has_more, list.records.is_empty());
    let head = list.head.map(|head| {
        let noted = format!("{}:{}", head.sequence, head.hash);
        view! { <p class="hint">{move || texts().head} " " <code data-testid="audit-head">{noted}</code></p> }
    });
    let rows = list
        .records
        .into_iter()
        .map(|sealed| {
            let record = sealed.record;
            let entry = record.entry;
            let at = entry.at;
            let object = format!("{} {}", entry.object_type, entry.object_id);
            let (action, actor) = (entry.action.clone(), entry.actor.clone());
            view! {
                <tr data-testid="audit-row" data-action=action data-actor=actor
                    data-object=entry.object_id.clone() data-chain=record.chain.clone()>
                    <td>{record.sequence}</td>
                    <td>{move || format_instant(t.lang(), at)}</td>
                    <td>{entry.actor}</td>
                    <td>{entry.action}</td>
                    <td>{object}</td>
                    <td><code>{entry.detail}</code></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {head}
        {empty.then(|| view! { <p data-testid="audit-none">{move || texts().none}</p> })}
        <table class="list" data-testid="audit-records">
            <thead><tr>
                <th>{move || texts().sequence}</th><th>{move || texts().when}</th><th>{move || texts().actor}</th>
                <th>{move || texts().action}</th><th>{move || texts().object}</th><th>{move || texts().detail}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pages">
            <button type="button" data-testid="audit-previous" disabled={current <= 1} on:click=move |_| page.set(current - 1)>
                {move || texts().previous}</button>
            " " <span data-testid="audit-page">{current}</span> " "
            <button type="button" data-testid="audit-next" disabled=!has_more on:click=move |_| page.set(current + 1)>
                {move || texts().next}</button>
        </nav>
    }
}
