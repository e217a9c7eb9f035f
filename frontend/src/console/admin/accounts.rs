//! `/console/admin/accounts` (CA administrators): search the accounts by name or a user's address, create one with
//! its first administrator (who is emailed an invitation), and for a chosen account: its users, add or replace an
//! administrator (with the reason, audited), disable it (its sessions and API keys end; certificates stay valid)
//! or enable it again. Texts in English and French, here.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::account::Role;
use shared::api::ApiError;
use shared::api::admin_account::{
    AccountStatusChange, AdminAccountDetail, AdminAccountList, AdminAccountView, AdministratorChange,
    CHANGE_ADMINISTRATOR, CREATE_ACCOUNT, DISABLE_ACCOUNT, ENABLE_ACCOUNT, LIST_ACCOUNTS, NewAccount, SHOW_ACCOUNT,
};

use crate::api;
use crate::console::form::{FieldError, FormError};
use crate::i18n::{I18n, Lang, error_line, format_instant, use_i18n};

/// The page's fixed texts.
struct AccountsTexts {
    title: &'static str,
    search: &'static str,
    search_submit: &'static str,
    none_found: &'static str,
    column_name: &'static str,
    column_administrators: &'static str,
    column_users: &'static str,
    column_created: &'static str,
    column_status: &'static str,
    enabled: &'static str,
    disabled: &'static str,
    manage: &'static str,
    create_title: &'static str,
    account_name: &'static str,
    administrator_name: &'static str,
    administrator_email: &'static str,
    create_submit: &'static str,
    users_title: &'static str,
    administrator_title: &'static str,
    email: &'static str,
    name: &'static str,
    reason: &'static str,
    replaces: &'static str,
    replaces_none: &'static str,
    administrator_submit: &'static str,
    disable_title: &'static str,
    disable_submit: &'static str,
    enable_submit: &'static str,
    disable_hint: &'static str,
    user_disabled: &'static str,
    done: &'static str,
}

const EN: AccountsTexts = AccountsTexts {
    title: "Accounts",
    search: "Name or a user's address",
    search_submit: "Search",
    none_found: "No account found.",
    column_name: "Account",
    column_administrators: "Administrators",
    column_users: "Users",
    column_created: "Created",
    column_status: "Status",
    enabled: "Enabled",
    disabled: "Disabled",
    manage: "Manage",
    create_title: "Create an account",
    account_name: "Account (organization) name",
    administrator_name: "First administrator's name",
    administrator_email: "First administrator's address",
    create_submit: "Create and invite",
    users_title: "Users",
    administrator_title: "Add or replace an administrator",
    email: "Address",
    name: "Name",
    reason: "Reason (kept in the audit log)",
    replaces: "Replaces",
    replaces_none: "Nobody: add an administrator",
    administrator_submit: "Save the administrator",
    disable_title: "Disable or enable",
    disable_submit: "Disable the account",
    enable_submit: "Enable the account",
    disable_hint: "Disabling ends every session and API key of the account and refuses its logins; its certificates \
                   stay valid.",
    user_disabled: "disabled",
    done: "Done.",
};

const FR: AccountsTexts = AccountsTexts {
    title: "Comptes",
    search: "Nom ou adresse d’un utilisateur",
    search_submit: "Rechercher",
    none_found: "Aucun compte trouvé.",
    column_name: "Compte",
    column_administrators: "Administrateurs",
    column_users: "Utilisateurs",
    column_created: "Créé",
    column_status: "État",
    enabled: "Actif",
    disabled: "Désactivé",
    manage: "Gérer",
    create_title: "Créer un compte",
    account_name: "Nom du compte (de l’organisation)",
    administrator_name: "Nom du premier administrateur",
    administrator_email: "Adresse du premier administrateur",
    create_submit: "Créer et inviter",
    users_title: "Utilisateurs",
    administrator_title: "Ajouter ou remplacer un administrateur",
    email: "Adresse",
    name: "Nom",
    reason: "Motif (conservé dans le journal d’audit)",
    replaces: "Remplace",
    replaces_none: "Personne\u{a0}: ajouter un administrateur",
    administrator_submit: "Enregistrer l’administrateur",
    disable_title: "Désactiver ou réactiver",
    disable_submit: "Désactiver le compte",
    enable_submit: "Réactiver le compte",
    disable_hint: "Désactiver met fin à toutes les sessions et clés d’API du compte et refuse ses connexions\u{a0}; \
                   ses certificats restent valides.",
    user_disabled: "désactivé",
    done: "C’est fait.",
};

fn texts(lang: Lang) -> &'static AccountsTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

fn text(t: I18n, pick: fn(&'static AccountsTexts) -> &'static str) -> impl Fn() -> &'static str + Copy + 'static {
    move || pick(texts(t.lang()))
}

const CREATE_FIELDS: &[&str] = &["name", "administrator_name", "administrator_email", "lang"];
const ADMINISTRATOR_FIELDS: &[&str] = &["email", "name", "reason", "replaces"];
const REASON_FIELDS: &[&str] = &["reason"];

/// The page: search and list, the create form, and the chosen account.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let t = use_i18n();
    let query = RwSignal::new(String::new());
    let searched = RwSignal::new(String::new());
    let version = RwSignal::new(0u32);
    let chosen = RwSignal::new(None::<String>);
    let accounts = LocalResource::new(move || {
        version.track();
        let query = searched.get();
        async move { api::call_with_query::<AdminAccountList>(&LIST_ACCOUNTS, &[], &[("query", &query)]).await }
    });
    let search = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        searched.set(query.get_untracked());
    };
    let changed = Callback::new(move |_: ()| version.update(|version| *version += 1));
    let list = move || {
        match accounts.get() {
        None => ().into_any(),
        Some(Err(problem)) => error_line(problem, t).into_any(),
        Some(Ok(list)) if list.accounts.is_empty() => {
            view! { <p data-testid="accounts-none">{text(t, |texts| texts.none_found)}</p> }.into_any()
        }
        Some(Ok(list)) => view! {
            <table data-testid="accounts">
                <thead><tr>
                    <th>{text(t, |texts| texts.column_name)}</th>
                    <th>{text(t, |texts| texts.column_administrators)}</th>
                    <th>{text(t, |texts| texts.column_users)}</th>
                    <th>{text(t, |texts| texts.column_created)}</th>
                    <th>{text(t, |texts| texts.column_status)}</th>
                    <th><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{list.accounts.into_iter().map(|account| view! { <AccountRow account=account chosen=chosen /> }).collect_view()}</tbody>
            </table>
        }
        .into_any(),
    }
    };
    view! {
        <h1>{text(t, |texts| texts.title)}</h1>
        <form class="inline" on:submit=search data-testid="accounts-search" role="search">
            <label>{text(t, |texts| texts.search)}
                <input type="search" data-testid="accounts-query" bind:value=query /></label>
            <button type="submit" data-testid="accounts-search-submit">{text(t, |texts| texts.search_submit)}</button>
        </form>
        {list}
        {move || chosen.get().map(|id| view! { <AccountManager id=id changed=changed /> })}
        <CreateAccountForm chosen=chosen changed=changed />
    }
}

/// One account in the list.
#[component]
fn AccountRow(account: AdminAccountView, chosen: RwSignal<Option<String>>) -> impl IntoView {
    let t = use_i18n();
    let created = account.created_at;
    let disabled = account.disabled_at.is_some();
    let id = account.id.clone();
    let administrators = account
        .administrators
        .iter()
        .map(|user| {
            let marker = user.disabled_at.map(|_| view! { " (" {text(t, |texts| texts.user_disabled)} ")" });
            view! { <li>{user.name.clone()} " <" {user.email.clone()} ">" {marker}</li> }
        })
        .collect_view();
    let billing = format!("/console/admin/billing?account={}", account.id);
    view! {
        <tr data-testid="account-row" data-account=account.id.clone()>
            <td data-testid="account-name">{account.name}</td>
            <td><ul class="plain">{administrators}</ul></td>
            <td data-testid="account-users">{account.user_count}</td>
            <td>{move || format_instant(t.lang(), created)}</td>
            <td data-testid="account-status" data-disabled=disabled.to_string()>
                {move || if disabled { text(t, |texts| texts.disabled)() } else { text(t, |texts| texts.enabled)() }}
                {account.disabled_reason.map(|reason| view! { <br /><small>{reason}</small> })}
            </td>
            <td><button type="button" class="secondary" data-testid="account-manage"
                on:click=move |_| chosen.set(Some(id.clone()))>{text(t, |texts| texts.manage)}</button>
                " " <a href=billing data-testid="account-billing">{move || t.lang().pick("Billing", "Facturation")}</a></td>
        </tr>
    }
}

/// The create form: the account and its first administrator, invited.
#[component]
fn CreateAccountForm(chosen: RwSignal<Option<String>>, changed: Callback<()>) -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let administrator_name = RwSignal::new(String::new());
    let administrator_email = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        working.set(true);
        let request = NewAccount {
            name: name.get_untracked(),
            administrator_name: administrator_name.get_untracked(),
            administrator_email: administrator_email.get_untracked(),
            lang: Some(t.lang_untracked().tag().to_owned()),
        };
        spawn_local(async move {
            match api::call_with::<_, AdminAccountDetail>(&CREATE_ACCOUNT, &[], &request).await {
                Ok(detail) => {
                    name.set(String::new());
                    administrator_name.set(String::new());
                    administrator_email.set(String::new());
                    chosen.set(Some(detail.account.id));
                    changed.run(());
                }
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    view! {
        <section>
            <h2>{text(t, |texts| texts.create_title)}</h2>
            <FormError error=error fields=CREATE_FIELDS />
            <form on:submit=submit data-testid="account-create-form" novalidate>
                <label>{text(t, |texts| texts.account_name)}
                    <input type="text" data-testid="create-name" bind:value=name /></label>
                <FieldError error=error fields=&["name"] />
                <label>{text(t, |texts| texts.administrator_name)}
                    <input type="text" data-testid="create-administrator-name" bind:value=administrator_name /></label>
                <FieldError error=error fields=&["administrator_name"] />
                <label>{text(t, |texts| texts.administrator_email)}
                    <input type="email" data-testid="create-administrator-email" bind:value=administrator_email /></label>
                <FieldError error=error fields=&["administrator_email"] />
                <button type="submit" data-testid="account-create-submit" disabled=move || working.get()>
                    {text(t, |texts| texts.create_submit)}</button>
            </form>
        </section>
    }
}

/// The chosen account: its users, the administrator form, disable or enable.
#[component]
fn AccountManager(id: String, changed: Callback<()>) -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let read_id = id.clone();
    let detail = LocalResource::new(move || {
        version.track();
        let id = read_id.clone();
        async move { api::call::<AdminAccountDetail>(&SHOW_ACCOUNT, &[&id]).await }
    });
    let refresh = Callback::new(move |_: ()| {
        version.update(|version| *version += 1);
        changed.run(());
    });
    move || match detail.get() {
        None => ().into_any(),
        Some(Err(problem)) => error_line(problem, t).into_any(),
        Some(Ok(detail)) => {
            let users = detail
                .users
                .iter()
                .map(|user| {
                    let role = user.role;
                    let marker = user.disabled_at.map(|_| view! { " (" {text(t, |texts| texts.user_disabled)} ")" });
                    view! {
                        <li data-testid="account-user" data-role=role.as_str()>
                            {user.name.clone()} " <" {user.email.clone()} "> " {role.as_str()} {marker}</li>
                    }
                })
                .collect_view();
            let administrators: Vec<(String, String)> = detail
                .users
                .iter()
                .filter(|user| user.role == Role::OrgAdmin && user.disabled_at.is_none())
                .map(|user| (user.id.clone(), format!("{} <{}>", user.name, user.email)))
                .collect();
            let account = detail.account;
            view! {
                <section data-testid="account-manager" data-account=account.id.clone()>
                    <h2>{account.name.clone()}</h2>
                    <h3>{text(t, |texts| texts.users_title)}</h3>
                    <ul class="plain">{users}</ul>
                    <AdministratorForm id=account.id.clone() administrators=administrators refresh=refresh />
                    <StatusForm id=account.id.clone() disabled=account.disabled_at.is_some() refresh=refresh />
                </section>
            }
            .into_any()
        }
    }
}

/// Add an administrator, or replace one who left (with the reason).
#[component]
fn AdministratorForm(id: String, administrators: Vec<(String, String)>, refresh: Callback<()>) -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let replaces = RwSignal::new(String::new());
    let id = StoredValue::new(id);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        done.set(false);
        let request = AdministratorChange {
            email: email.get_untracked(),
            name: name.get_untracked(),
            reason: reason.get_untracked(),
            replaces: Some(replaces.get_untracked()).filter(|replaces| !replaces.is_empty()),
        };
        let id = id.get_value();
        spawn_local(async move {
            match api::call_with::<_, AdminAccountDetail>(&CHANGE_ADMINISTRATOR, &[&id], &request).await {
                Ok(_) => {
                    done.set(true);
                    refresh.run(());
                }
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let options = administrators
        .into_iter()
        .map(|(user_id, label)| view! { <option value=user_id>{label}</option> })
        .collect_view();
    view! {
        <h3>{text(t, |texts| texts.administrator_title)}</h3>
        <FormError error=error fields=ADMINISTRATOR_FIELDS />
        {move || done.get().then(|| view! { <p class="notice" role="status">{text(t, |texts| texts.done)}</p> })}
        <form on:submit=submit data-testid="administrator-form" novalidate>
            <label>{text(t, |texts| texts.email)}<input type="email" data-testid="administrator-email" bind:value=email /></label>
            <FieldError error=error fields=&["email"] />
            <label>{text(t, |texts| texts.name)}<input type="text" data-testid="administrator-name" bind:value=name /></label>
            <FieldError error=error fields=&["name"] />
            <label>{text(t, |texts| texts.replaces)}
                <select data-testid="administrator-replaces" bind:value=replaces>
                    <option value="">{text(t, |texts| texts.replaces_none)}</option>
                    {options}
                </select></label>
            <FieldError error=error fields=&["replaces"] />
            <label>{text(t, |texts| texts.reason)}<textarea data-testid="administrator-reason" bind:value=reason></textarea></label>
            <FieldError error=error fields=REASON_FIELDS />
            <button type="submit" data-testid="administrator-submit">{text(t, |texts| texts.administrator_submit)}</button>
        </form>
    }
}

/// Disable the account (with the reason) or enable it again.
#[component]
fn StatusForm(id: String, disabled: bool, refresh: Callback<()>) -> impl IntoView {
    let t = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let reason = RwSignal::new(String::new());
    let id = StoredValue::new(id);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        let request = AccountStatusChange { reason: reason.get_untracked() };
        let endpoint = if disabled { &ENABLE_ACCOUNT } else { &DISABLE_ACCOUNT };
        let call = api::call_with::<_, AdminAccountDetail>(endpoint, &[&id.get_value()], &request);
        spawn_local(async move {
            match call.await {
                Ok(_) => refresh.run(()),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    view! {
        <h3>{text(t, |texts| texts.disable_title)}</h3>
        <p class="hint">{text(t, |texts| texts.disable_hint)}</p>
        <FormError error=error fields=REASON_FIELDS />
        <form on:submit=submit data-testid="status-form" novalidate>
            <label>{text(t, |texts| texts.reason)}<textarea data-testid="status-reason" bind:value=reason></textarea></label>
            <FieldError error=error fields=REASON_FIELDS />
            <button type="submit" data-testid=if disabled { "account-enable" } else { "account-disable" }>
                {move || if disabled { text(t, |texts| texts.enable_submit)() } else { text(t, |texts| texts.disable_submit)() }}
            </button>
        </form>
    }
}
