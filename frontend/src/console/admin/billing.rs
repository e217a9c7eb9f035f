//! `/console/admin/billing?account=<id>`: a CA administrator's view of one account's money: its contracts (set
//! one, end one early), deposits (record one) and its ledger. The account is named by its identifier (the field,
//! or the `account` query parameter a link brings); the Worker refuses these endpoints to anyone else (403).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ApiError;
use shared::api::contract::{
    CREATE_CONTRACT, ContractList, ContractView, END_CONTRACT, LIST_ACCOUNT_CONTRACTS, NewContract, NewDeposit,
    RECORD_DEPOSIT, SHOW_ACCOUNT_LEDGER,
};
use shared::api::order::{Ledger, LedgerEntry};
use shared::contract::ContractStatus;
use shared::lang::Lang;
use shared::order::money;

use super::super::form::{FieldError, FormError, go};
use super::super::texts::{ledger_kind_label, ledger_reference};
use crate::api;
use crate::i18n::{error_line, field_error, format_instant, use_i18n};

/// Amount typed as people write it (`1000`, `1000.5`, `1000.50`) in cents; `None` when it is not one.
pub(crate) fn parse_cents(text: &str) -> Option<i64> {
    let text = text.trim();
    let (units, fraction) = text.split_once(['.', ',']).unwrap_or((text, ""));
    if units.is_empty() || !units.bytes().all(|byte| byte.is_ascii_digit()) || units.len() > 12 {
        return None;
    }
    if fraction.len() > 2 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let cents = format!("{fraction:0<2}").parse::<i64>().ok()?;
    units.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)
}

/// A date field's `YYYY-MM-DD` as the Unix second of its midnight, UTC; `None` when empty or not a date.
fn date_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    let milliseconds = js_sys::Date::parse(text);
    (!milliseconds.is_nan()).then(|| (milliseconds / 1000.0) as i64)
}

/// The account named by the page's `account` query parameter, if any.
fn account_from_query() -> String {
    let search = window().location().search().unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("account="))
        .and_then(|value| js_sys::decode_uri_component(value).ok())
        .and_then(|value| value.as_string())
        .unwrap_or_default()
}

fn status_label(lang: Lang, status: ContractStatus) -> &'static str {
    match status {
        ContractStatus::Upcoming => lang.pick("Not started", "Pas commencé"),
        ContractStatus::Active => lang.pick("Active", "Actif"),
        ContractStatus::Expired => lang.pick("Expired", "Expiré"),
        ContractStatus::Ended => lang.pick("Ended", "Terminé"),
    }
}

const CONTRACT_FIELDS: &[&str] = &["reference", "credit_limit_cents", "starts_at", "ends_at"];
const DEPOSIT_FIELDS: &[&str] = &["amount_cents", "bank_reference"];

/// The billing page.
#[component]
pub fn BillingPage() -> impl IntoView {
    let t = use_i18n();
    let typed = RwSignal::new(account_from_query());
    let account = typed.get_untracked().trim().to_owned();
    let version = RwSignal::new(0u32);
    let show = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        // A full load with the account in the address, so the page can be bookmarked and linked to.
        let id = typed.get_untracked().trim().to_owned();
        go(&format!("/console/admin/billing?account={}", String::from(js_sys::encode_uri_component(&id))));
    };
    view! {
        <h1>{move || t.lang().pick("Billing", "Facturation")}</h1>
        <form on:submit=show data-testid="billing-account-form" novalidate>
            <label>{move || t.lang().pick("Account identifier", "Identifiant du compte")}
                <input type="text" data-testid="billing-account" autocomplete="off" bind:value=typed /></label>
            <button type="submit" data-testid="billing-show">{move || t.lang().pick("Show", "Afficher")}</button>
        </form>
        {(!account.is_empty()).then(|| view! { <AccountBilling account=account version=version /> })}
    }
}

/// One account's contracts, forms and ledger.
#[component]
fn AccountBilling(
    /// The account's identifier.
    account: String,
    /// Bumped after each change, to read again.
    version: RwSignal<u32>,
) -> impl IntoView {
    let t = use_i18n();
    let account = StoredValue::new(account);
    let contracts = LocalResource::new(move || {
        version.track();
        api::call::<ContractList>(&LIST_ACCOUNT_CONTRACTS, &[&account.get_value()])
    });
    let ledger = LocalResource::new(move || {
        version.track();
        api::call::<Ledger>(&SHOW_ACCOUNT_LEDGER, &[&account.get_value()])
    });
    let action_error = RwSignal::new(None::<ApiError>);
    let end = move |contract_id: String| {
        action_error.set(None);
        spawn_local(async move {
            let account = account.get_value();
            match api::call::<ContractView>(&END_CONTRACT, &[&account, &contract_id]).await {
                Ok(_) => version.update(|version| *version += 1),
                Err(problem) => action_error.set(Some(problem)),
            }
        });
    };
    let contract_rows = move |list: Vec<ContractView>| {
        list.into_iter()
            .map(|contract| {
                let (starts, ends, status) = (contract.starts_at, contract.ends_at, contract.status);
                let id = contract.id.clone();
                let button = matches!(status, ContractStatus::Active | ContractStatus::Upcoming).then(|| {
                    view! { <button type="button" class="secondary" data-testid="contract-end"
                        on:click=move |_| end(id.clone())>{move || t.lang().pick("End now", "Terminer")}</button> }
                });
                view! {
                    <tr data-testid="contract" data-reference=contract.reference.clone() data-status=format!("{status:?}").to_lowercase()>
                        <td>{contract.reference.clone()}</td>
                        <td class="amount">{money(contract.credit_limit_cents)}</td>
                        <td class="amount">{money(contract.used_cents)}</td>
                        <td>{move || format_instant(t.lang(), starts)}</td>
                        <td>{move || format_instant(t.lang(), ends)}</td>
                        <td>{move || status_label(t.lang(), status)}</td>
                        <td>{button}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let ledger_rows = move |entries: Vec<LedgerEntry>| {
        entries
            .into_iter()
            .map(|entry| {
                let (at, kind) = (entry.at, entry.kind);
                let amount = money(entry.amount_cents);
                view! {
                    <tr data-testid="billing-ledger-entry" data-kind=kind.as_str()>
                        <td>{move || format_instant(t.lang(), at)}</td>
                        <td>{move || ledger_kind_label(t.lang(), kind)}</td>
                        <td>{move || ledger_reference(t.lang(), &entry)}</td>
                        <td class="amount">{amount}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <h2>{move || t.lang().pick("Contracts", "Contrats")}</h2>
        {move || action_error.get().map(|problem| error_line(problem, t))}
        {move || contracts.get().map(|result| match result {
            Ok(list) if list.contracts.is_empty() => view! {
                <p data-testid="no-contracts">{move || t.lang().pick("No contract yet.", "Aucun contrat pour l’instant.")}</p>
            }.into_any(),
            Ok(list) => view! {
                <table class="list" data-testid="contracts">
                    <thead><tr>
                        <th>{move || t.lang().pick("Reference", "Référence")}</th>
                        <th>{move || t.lang().pick("Credit limit", "Plafond")}</th>
                        <th>{move || t.lang().pick("Used", "Utilisé")}</th>
                        <th>{move || t.lang().pick("From", "Du")}</th>
                        <th>{move || t.lang().pick("Until", "Au")}</th>
                        <th>{move || t.lang().pick("Status", "État")}</th>
                        <th><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>{contract_rows(list.contracts)}</tbody>
                </table>
            }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
        <NewContractForm account=account.get_value() version=version />
        <DepositForm account=account.get_value() version=version />
        <h2>{move || t.lang().pick("Ledger", "Relevé")}</h2>
        {move || ledger.get().map(|result| match result {
            Ok(ledger) => view! {
                <p data-testid="billing-balance">{move || t.lang().pick("Balance:", "Solde :")} " " {money(ledger.balance_cents)}</p>
                <table class="list" data-testid="billing-ledger">
                    <tbody>{ledger_rows(ledger.entries)}</tbody>
                </table>
            }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

/// Sets a contract on the account.
#[component]
fn NewContractForm(
    /// The account's identifier.
    account: String,
    /// Bumped once the contract is set.
    version: RwSignal<u32>,
) -> impl IntoView {
    let t = use_i18n();
    let (reference, limit, starts, ends) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let account = StoredValue::new(account);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        let lang = t.lang_untracked();
        let Some(credit_limit_cents) = parse_cents(&limit.get_untracked()) else {
            let message = lang.pick("Type an amount, such as 5000.00.", "Saisissez un montant, par exemple 5000.00.");
            error.set(Some(field_error("amount_malformed", "credit_limit_cents", message)));
            return;
        };
        let (Some(starts_at), Some(ends_at)) =
            (date_seconds(&starts.get_untracked()), date_seconds(&ends.get_untracked()))
        else {
            let message = lang.pick("Choose the start and end dates.", "Choisissez les dates de début et de fin.");
            error.set(Some(field_error("date_missing", "ends_at", message)));
            return;
        };
        let request = NewContract { reference: reference.get_untracked(), credit_limit_cents, starts_at, ends_at };
        working.set(true);
        spawn_local(async move {
            match api::call_with::<_, ContractView>(&CREATE_CONTRACT, &[&account.get_value()], &request).await {
                Ok(_) => {
                    reference.set(String::new());
                    limit.set(String::new());
                    version.update(|version| *version += 1);
                }
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    view! {
        <h3>{move || t.lang().pick("New contract", "Nouveau contrat")}</h3>
        <FormError error=error fields=CONTRACT_FIELDS />
        <form on:submit=submit data-testid="contract-form" novalidate>
            <label>{move || t.lang().pick("Reference", "Référence")}
                <input type="text" data-testid="contract-reference" autocomplete="off" bind:value=reference /></label>
            <FieldError error=error fields=&["reference"] />
            <label>{move || t.lang().pick("Credit limit", "Plafond")}
                <input type="text" inputmode="decimal" data-testid="contract-limit" autocomplete="off" bind:value=limit /></label>
            <FieldError error=error fields=&["credit_limit_cents"] />
            <label>{move || t.lang().pick("From (UTC)", "Du (UTC)")}
                <input type="date" data-testid="contract-starts" bind:value=starts /></label>
            <FieldError error=error fields=&["starts_at"] />
            <label>{move || t.lang().pick("Until (UTC, excluded)", "Au (UTC, exclu)")}
                <input type="date" data-testid="contract-ends" bind:value=ends /></label>
            <FieldError error=error fields=&["ends_at"] />
            <button type="submit" data-testid="contract-submit" disabled=move || working.get()>
                {move || t.lang().pick("Set the contract", "Enregistrer le contrat")}</button>
        </form>
    }
}

/// Records a deposit on the account's balance.
#[component]
fn DepositForm(
    /// The account's identifier.
    account: String,
    /// Bumped once the deposit is recorded.
    version: RwSignal<u32>,
) -> impl IntoView {
    let t = use_i18n();
    let (amount, bank_reference) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let account = StoredValue::new(account);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        let Some(amount_cents) = parse_cents(&amount.get_untracked()) else {
            let lang = t.lang_untracked();
            let message = lang.pick("Type an amount, such as 1000.00.", "Saisissez un montant, par exemple 1000.00.");
            error.set(Some(field_error("amount_malformed", "amount_cents", message)));
            return;
        };
        let request = NewDeposit { amount_cents, bank_reference: bank_reference.get_untracked() };
        working.set(true);
        spawn_local(async move {
            match api::call_with::<_, LedgerEntry>(&RECORD_DEPOSIT, &[&account.get_value()], &request).await {
                Ok(_) => {
                    amount.set(String::new());
                    bank_reference.set(String::new());
                    version.update(|version| *version += 1);
                }
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    view! {
        <h3>{move || t.lang().pick("Record a deposit", "Enregistrer un versement")}</h3>
        <FormError error=error fields=DEPOSIT_FIELDS />
        <form on:submit=submit data-testid="deposit-form" novalidate>
            <label>{move || t.lang().pick("Amount received", "Montant reçu")}
                <input type="text" inputmode="decimal" data-testid="deposit-amount" autocomplete="off" bind:value=amount /></label>
            <FieldError error=error fields=&["amount_cents"] />
            <label>{move || t.lang().pick("Bank reference", "Référence bancaire")}
                <input type="text" data-testid="deposit-reference" autocomplete="off" bind:value=bank_reference /></label>
            <FieldError error=error fields=&["bank_reference"] />
            <button type="submit" data-testid="deposit-submit" disabled=move || working.get()>
                {move || t.lang().pick("Record the deposit", "Enregistrer le versement")}</button>
        </form>
    }
}
