//! The logged-in pages: the account overview (with, for organization administrators, the account's expiry
//! reminder settings), and for organization administrators the users (list, invite) and the API keys (list,
//! create with the key shown once, revoke).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::account::Role;
use shared::api::ApiError;
use shared::api::account::{
    ApiKeyList, ApiKeyView, CREATE_API_KEY, CreateApiKey, CreatedApiKey, DISABLE_USER, ENABLE_USER, END_SESSION,
    INVITE_USER, InviteUser, LIST_API_KEYS, LIST_SESSIONS, LIST_USERS, REVOKE_API_KEY, SessionList, SessionView,
    UserList, UserView,
};
use shared::api::notices::{
    ReminderSettingsUpdate, ReminderSettingsView, SHOW_REMINDER_SETTINGS, UPDATE_REMINDER_SETTINGS,
};
use shared::api::order::{Ledger, LedgerEntry, SHOW_LEDGER};
use shared::order::money;
use wasm_bindgen_futures::JsFuture;

use super::attention_texts::{attention_text, threshold_label};
use super::form::{FieldError, FormError};
use super::texts::{console_texts, invited, ledger_kind_label, ledger_reference, role_label, text};
use crate::api;
use crate::i18n::{error_line, format_instant, use_i18n};

/// Who is logged in, and their account.
#[component]
pub fn AccountOverview(
    /// The session read when the page opened.
    session: SessionView,
) -> impl IntoView {
    let t = use_i18n();
    let user = session.user;
    let role = user.role;
    let expires_at = session.expires_at;
    view! {
        <h1>{text(t, |texts| texts.account_title)}</h1>
        <dl class="facts" data-testid="account">
            <dt>{text(t, |texts| texts.fact_name)}</dt><dd data-testid="account-name">{user.name}</dd>
            <dt>{text(t, |texts| texts.fact_email)}</dt><dd data-testid="account-email">{user.email}</dd>
            <dt>{text(t, |texts| texts.fact_role)}</dt>
            <dd data-testid="account-role" data-role=role.as_str()>{move || role_label(t.lang(), role)}</dd>
            {session.account_name.map(|name| view! {
                <dt>{text(t, |texts| texts.fact_account)}</dt><dd data-testid="account-organization">{name}</dd>
            })}
            <dt>{text(t, |texts| texts.fact_session)}</dt><dd>{move || format_instant(t.lang(), expires_at)}</dd>
        </dl>
        <SessionsSection />
        {(role != Role::CaAdmin).then(|| view! { <LedgerSection /> })}
        {(role == Role::OrgAdmin).then(|| view! { <ReminderSettingsSection /> })}
    }
}

const REMINDER_FIELDS: &[&str] = &["enabled", "thresholds", "administrators"];

/// The account's expiry reminder settings (organization administrators only: the Worker refuses the others both
/// reading and changing them, so the section is not shown to them).
#[component]
fn ReminderSettingsSection() -> impl IntoView {
    let t = use_i18n();
    let settings = LocalResource::new(|| api::call::<ReminderSettingsView>(&SHOW_REMINDER_SETTINGS, &[]));
    view! {
        <h2 id="reminder-settings-title">{attention_text(t, |texts| texts.settings_title)}</h2>
        <p class="hint">{attention_text(t, |texts| texts.settings_intro)}</p>
        {move || settings.get().map(|result| match result {
            Ok(view) => view! { <ReminderSettingsForm current=view /> }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

/// The reminder settings form, filled with `current`: on/off, the nine thresholds, the administrators' copies.
#[component]
fn ReminderSettingsForm(current: ReminderSettingsView) -> impl IntoView {
    let t = use_i18n();
    let enabled = RwSignal::new(current.enabled);
    let chosen = RwSignal::new(current.thresholds);
    let administrators = RwSignal::new(current.administrators);
    let defaults = RwSignal::new(current.updated_at.is_none());
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let working = RwSignal::new(false);
    let all = current.all_thresholds;
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        saved.set(false);
        working.set(true);
        let request = ReminderSettingsUpdate {
            enabled: enabled.get_untracked(),
            thresholds: chosen.get_untracked(),
            administrators: administrators.get_untracked(),
        };
        spawn_local(async move {
            match api::call_with::<_, ReminderSettingsView>(&UPDATE_REMINDER_SETTINGS, &[], &request).await {
                Ok(view) => {
                    enabled.set(view.enabled);
                    chosen.set(view.thresholds);
                    administrators.set(view.administrators);
                    defaults.set(view.updated_at.is_none());
                    saved.set(true);
                }
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let boxes = all
        .into_iter()
        .map(|code| {
            let (checked_code, changed_code, label_code) = (code.clone(), code.clone(), code.clone());
            let toggle = move |event: leptos::ev::Event| {
                let on = event_target_checked(&event);
                chosen.update(|chosen| {
                    chosen.retain(|known| *known != changed_code);
                    if on {
                        chosen.push(changed_code.clone());
                    }
                });
            };
            view! {
                <label class="choice"><input type="checkbox" data-testid=format!("threshold-{code}") value=code.clone()
                    prop:checked=move || chosen.with(|chosen| chosen.contains(&checked_code)) on:change=toggle />
                    {move || threshold_label(t.lang(), &label_code)}</label> " "
            }
        })
        .collect_view();
    view! {
        <FormError error=error fields=REMINDER_FIELDS />
        <form on:submit=submit data-testid="reminder-settings" aria-labelledby="reminder-settings-title" novalidate>
            {move || defaults.get().then(|| view! {
                <p class="hint" data-testid="reminder-defaults">{attention_text(t, |texts| texts.settings_defaults)}</p>
            })}
            <label class="choice"><input type="checkbox" data-testid="reminders-enabled" bind:checked=enabled />
                {attention_text(t, |texts| texts.settings_enabled)}</label>
            <FieldError error=error fields=&["enabled"] />
            <fieldset data-testid="reminder-thresholds">
                <legend>{attention_text(t, |texts| texts.settings_thresholds)}</legend>
                {boxes}
            </fieldset>
            <FieldError error=error fields=&["thresholds"] />
            <label class="choice"><input type="checkbox" data-testid="reminders-administrators"
                bind:checked=administrators />{attention_text(t, |texts| texts.settings_administrators)}</label>
            <FieldError error=error fields=&["administrators"] />
            <button type="submit" data-testid="reminder-settings-save" disabled=move || working.get()>
                {attention_text(t, |texts| texts.settings_save)}</button>
            <p class=move || if saved.get() { "notice" } else { "" } role="status" aria-live="polite"
                data-testid="reminder-settings-status">
                {move || saved.get().then(|| attention_text(t, |texts| texts.settings_saved)())}</p>
        </form>
    }
}

/// The caller's open sessions, each but this browser's with a button that ends it.
#[component]
fn SessionsSection() -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let sessions = LocalResource::new(move || {
        version.track();
        api::call::<SessionList>(&LIST_SESSIONS, &[])
    });
    let error = RwSignal::new(None::<ApiError>);
    let end = move |id: String| {
        error.set(None);
        spawn_local(async move {
            match api::call::<()>(&END_SESSION, &[&id]).await {
                Ok(()) => version.update(|version| *version += 1),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let rows = move |list: SessionList| {
        list.sessions
            .into_iter()
            .map(|session| {
                let (created, seen) = (session.created_at, session.last_seen_at);
                let id = session.id.clone();
                let action = if session.current {
                    view! { <span data-testid="current-session">{text(t, |texts| texts.session_current)}</span> }
                        .into_any()
                } else {
                    view! {
                        <button type="button" class="secondary" data-testid="end-session"
                            on:click=move |_| end(id.clone())>{text(t, |texts| texts.session_end)}</button>
                    }
                    .into_any()
                };
                view! {
                    <tr data-testid="session-row" data-current=session.current.to_string()>
                        <td>{session.user_agent}</td>
                        <td>{move || format_instant(t.lang(), created)}</td>
                        <td>{move || format_instant(t.lang(), seen)}</td>
                        <td>{action}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <h2>{text(t, |texts| texts.sessions_title)}</h2>
        {move || error.get().map(|problem| error_line(problem, t))}
        {move || sessions.get().map(|result| match result {
            Ok(list) => view! {
                <table class="list" data-testid="sessions">
                    <thead><tr><th>{text(t, |texts| texts.session_browser)}</th><th>{text(t, |texts| texts.session_since)}</th>
                        <th>{text(t, |texts| texts.session_seen)}</th><th><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>{rows(list)}</tbody>
                </table>
            }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

/// The account's balance and its latest movements (`GET /api/v1/ledger`).
#[component]
fn LedgerSection() -> impl IntoView {
    let t = use_i18n();
    let ledger = LocalResource::new(|| api::call::<Ledger>(&SHOW_LEDGER, &[]));
    let rows = move |entries: Vec<LedgerEntry>| {
        entries
            .into_iter()
            .map(|entry| {
                let at = entry.at;
                let kind = entry.kind;
                let amount = money(entry.amount_cents);
                view! {
                    <tr data-testid="ledger-entry" data-kind=kind.as_str()>
                        <td>{move || format_instant(t.lang(), at)}</td>
                        <td>{move || ledger_kind_label(t.lang(), kind)}</td>
                        <td data-testid="ledger-reference">{move || ledger_reference(t.lang(), &entry)}</td>
                        <td class="amount">{amount}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <h2>{text(t, |texts| texts.ledger_title)}</h2>
        {move || ledger.get().map(|result| match result {
            Ok(ledger) => view! {
                <p data-testid="ledger-balance">{text(t, |texts| texts.ledger_balance)} " " {money(ledger.balance_cents)}</p>
                <table class="list" data-testid="ledger">
                    <thead><tr><th>{text(t, |texts| texts.ledger_when)}</th><th>{text(t, |texts| texts.ledger_kind)}</th>
                        <th>{text(t, |texts| texts.ledger_reference)}</th><th>{text(t, |texts| texts.ledger_amount)}</th></tr></thead>
                    <tbody>{rows(ledger.entries)}</tbody>
                </table>
            }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}

const INVITE_FIELDS: &[&str] = &["email", "name", "role"];

/// The account's users (each but oneself can be disabled or enabled again) and the invitation form.
#[component]
pub fn UsersPage(
    /// The logged-in administrator's user identifier.
    me: String,
) -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let users = LocalResource::new(move || {
        version.track();
        api::call::<UserList>(&LIST_USERS, &[])
    });
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::OrgUser);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        notice.set(None);
        working.set(true);
        let request =
            InviteUser { email: email.get_untracked(), name: name.get_untracked(), role: role.get_untracked() };
        spawn_local(async move {
            match api::call_with::<_, UserView>(&INVITE_USER, &[], &request).await {
                Ok(user) => {
                    notice.set(Some(user.email));
                    email.set(String::new());
                    name.set(String::new());
                    version.update(|version| *version += 1);
                }
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let toggle = move |id: String, disable: bool| {
        error.set(None);
        notice.set(None);
        spawn_local(async move {
            let endpoint = if disable { &DISABLE_USER } else { &ENABLE_USER };
            match api::call_with::<_, UserView>(endpoint, &[&id], &()).await {
                Ok(_) => version.update(|version| *version += 1),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let roles = move || {
        let lang = t.lang();
        let chosen = role.get_untracked();
        [Role::OrgUser, Role::OrgAdmin]
            .into_iter()
            .map(|option| {
                view! { <option value=option.as_str() selected=option == chosen>{role_label(lang, option)}</option> }
            })
            .collect_view()
    };
    view! {
        <h1>{text(t, |texts| texts.users_title)}</h1>
        {move || users.get().map(|result| match result {
            Ok(list) => users_table(list.users, &me, toggle).into_any(),
            Err(problem) => view! { <p class="error" data-testid="error">{problem.message}</p> }.into_any(),
        })}
        <h2>{text(t, |texts| texts.invite_title)}</h2>
        <FormError error=error fields=INVITE_FIELDS />
        {move || notice.get().map(|email| view! { <p class="notice" data-testid="invited">{move || invited(t.lang(), &email)}</p> })}
        <form on:submit=submit data-testid="invite-form" novalidate>
            <label>{text(t, |texts| texts.email)}
                <input type="email" data-testid="invite-email" autocomplete="off" bind:value=email /></label>
            <FieldError error=error fields=&["email"] />
            <label>{text(t, |texts| texts.name)}
                <input type="text" data-testid="invite-name" autocomplete="off" bind:value=name /></label>
            <FieldError error=error fields=&["name"] />
            <label>{text(t, |texts| texts.role)}
                <select data-testid="invite-role" on:change=move |event| {
                    if let Some(chosen) = Role::parse(&event_target_value(&event)) {
                        role.set(chosen);
                    }
                }>{roles}</select></label>
            <FieldError error=error fields=&["role"] />
            <button type="submit" data-testid="invite-submit" disabled=move || working.get()>
                {text(t, |texts| texts.invite_submit)}</button>
        </form>
    }
}

fn users_table(
    users: Vec<UserView>,
    me: &str,
    toggle: impl Fn(String, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_i18n();
    let rows = users
        .into_iter()
        .map(|user| {
            let role = user.role;
            let must_change = user.must_change_password;
            let disabled = user.disabled_at.is_some();
            let email = user.email.clone();
            let action = (user.id != me).then(|| {
                let id = user.id.clone();
                let label = move || {
                    let texts = console_texts(t.lang());
                    if disabled { texts.enable_user } else { texts.disable_user }
                };
                view! {
                    <button type="button" class="secondary" data-testid=if disabled { "enable-user" } else { "disable-user" }
                        on:click=move |_| toggle(id.clone(), !disabled)>{label}</button>
                }
            });
            view! {
                <tr data-testid="user-row" data-email=email data-disabled=disabled.to_string()>
                    <td>{user.email}</td><td>{user.name}</td>
                    <td>{move || role_label(t.lang(), role)}</td>
                    <td>{move || {
                        let texts = console_texts(t.lang());
                        if disabled {
                            texts.status_disabled
                        } else if must_change {
                            texts.status_invited
                        } else {
                            texts.status_active
                        }
                    }}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="list" data-testid="users">
            <thead><tr>
                <th>{text(t, |texts| texts.fact_email)}</th><th>{text(t, |texts| texts.fact_name)}</th>
                <th>{text(t, |texts| texts.fact_role)}</th><th>{text(t, |texts| texts.status)}</th><th><span class="visually-hidden">"Actions"</span></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

const API_KEY_FIELDS: &[&str] = &["name"];

/// The account's API keys: list, create (the key shown once), revoke.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let keys = LocalResource::new(move || {
        version.track();
        api::call::<ApiKeyList>(&LIST_API_KEYS, &[])
    });
    let error = RwSignal::new(None::<ApiError>);
    let working = RwSignal::new(false);
    let created = RwSignal::new(None::<CreatedApiKey>);
    let copied = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        created.set(None);
        copied.set(false);
        working.set(true);
        let request = CreateApiKey { name: name.get_untracked() };
        spawn_local(async move {
            match api::call_with::<_, CreatedApiKey>(&CREATE_API_KEY, &[], &request).await {
                Ok(key) => {
                    created.set(Some(key));
                    name.set(String::new());
                    version.update(|version| *version += 1);
                }
                Err(problem) => error.set(Some(problem)),
            }
            working.set(false);
        });
    };
    let revoke = move |id: String| {
        error.set(None);
        spawn_local(async move {
            match api::call::<()>(&REVOKE_API_KEY, &[&id]).await {
                Ok(()) => version.update(|version| *version += 1),
                Err(problem) => error.set(Some(problem)),
            }
        });
    };
    let copy = move |key: String| {
        spawn_local(async move {
            let clipboard = window().navigator().clipboard();
            if JsFuture::from(clipboard.write_text(&key)).await.is_ok() {
                copied.set(true);
            }
        });
    };
    view! {
        <h1>{text(t, |texts| texts.api_keys_title)}</h1>
        <p class="hint">{text(t, |texts| texts.api_keys_intro)}</p>
        <FormError error=error fields=API_KEY_FIELDS />
        {move || created.get().map(|created| {
            let key = created.key.clone();
            view! {
                <div class="notice" data-testid="api-key-created">
                    <p><strong>{text(t, |texts| texts.api_key_once)}</strong></p>
                    <p><code data-testid="api-key-value">{created.key.clone()}</code> " "
                        <button type="button" data-testid="api-key-copy" on:click=move |_| copy(key.clone())>
                            {move || if copied.get() { text(t, |texts| texts.copied)() } else { text(t, |texts| texts.copy)() }}
                        </button></p>
                </div>
            }
        })}
        <form on:submit=submit data-testid="api-key-form">
            <label>{text(t, |texts| texts.api_key_name)}
                <input type="text" data-testid="api-key-name" autocomplete="off" maxlength="100" bind:value=name /></label>
            <FieldError error=error fields=API_KEY_FIELDS />
            <button type="submit" data-testid="api-key-submit" disabled=move || working.get()>
                {text(t, |texts| texts.api_key_create)}</button>
        </form>
        {move || keys.get().map(|result| match result {
            Ok(list) if list.api_keys.is_empty() => {
                view! { <p data-testid="api-keys-none">{text(t, |texts| texts.api_keys_none)}</p> }.into_any()
            }
            Ok(list) => keys_table(list.api_keys, revoke).into_any(),
            Err(problem) => view! { <p class="error" data-testid="error">{problem.message}</p> }.into_any(),
        })}
    }
}

fn keys_table(keys: Vec<ApiKeyView>, revoke: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let t = use_i18n();
    let rows = keys
        .into_iter()
        .map(|key| {
            let (created_at, last_used_at, revoked_at) = (key.created_at, key.last_used_at, key.revoked_at);
            let id = key.id.clone();
            let name = key.name.clone();
            view! {
                <tr data-testid="api-key-row" data-name=name data-revoked=revoked_at.is_some().to_string()>
                    <td>{key.name}</td><td><code>{key.prefix}"…"</code></td>
                    <td>{move || format_instant(t.lang(), created_at)}</td>
                    <td>{move || last_used_at.map_or_else(|| text(t, |texts| texts.never)().to_owned(), |at| format_instant(t.lang(), at))}</td>
                    <td>{move || match revoked_at {
                        Some(at) => format!("{} {}", text(t, |texts| texts.revoked)(), format_instant(t.lang(), at)),
                        None => text(t, |texts| texts.active)().to_owned(),
                    }}</td>
                    <td>{revoked_at.is_none().then(|| view! {
                        <button type="button" data-testid="api-key-revoke" on:click=move |_| revoke(id.clone())>
                            {text(t, |texts| texts.revoke)}</button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="list" data-testid="api-keys">
            <thead><tr>
                <th>{text(t, |texts| texts.fact_name)}</th><th>{text(t, |texts| texts.api_key_prefix)}</th>
                <th>{text(t, |texts| texts.created)}</th><th>{text(t, |texts| texts.last_used)}</th>
                <th>{text(t, |texts| texts.status)}</th><th><span class="visually-hidden">"Actions"</span></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
