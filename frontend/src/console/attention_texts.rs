//! The texts of the attention page (`attention.rs`) and of the account page's reminder settings section
//! (`account.rs`), in English and French, in the style of [`super::texts`]: one [`AttentionTexts`] per language,
//! and a function per text with values in it.

use crate::i18n::{I18n, Lang};

/// The attention page's and the reminder settings' texts in `lang`.
pub fn attention_texts(lang: Lang) -> &'static AttentionTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// One text as a view, tracked like [`super::texts::text`].
pub fn attention_text(
    t: I18n,
    pick: fn(&'static AttentionTexts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + 'static {
    move || pick(attention_texts(t.lang()))
}

/// The fixed texts of the attention page and the reminder settings.
pub struct AttentionTexts {
    /// The navigation entry and the page's title.
    pub title: &'static str,
    /// What the page shows.
    pub intro: &'static str,
    /// Nothing to show.
    pub empty: &'static str,
    /// The heading of the orders waiting on validations.
    pub blocked_heading: &'static str,
    /// The link to an order waiting on validations.
    pub blocked_fix: &'static str,
    /// The heading of the certificates ending soon.
    pub ending_heading: &'static str,
    /// The link to a certificate ending soon.
    pub ending_fix: &'static str,
    /// The heading of the replacements nobody picked up.
    pub unpicked_heading: &'static str,
    /// The link to a replacement nobody picked up.
    pub unpicked_fix: &'static str,
    /// The heading of the emails given up.
    pub failed_heading: &'static str,
    /// The link to a user's or recipient's failed email.
    pub failed_fix: &'static str,
    /// The reminder settings' heading.
    pub settings_title: &'static str,
    /// What the reminder settings decide.
    pub settings_intro: &'static str,
    /// The on/off checkbox.
    pub settings_enabled: &'static str,
    /// The thresholds' legend.
    pub settings_thresholds: &'static str,
    /// The administrators' copies checkbox.
    pub settings_administrators: &'static str,
    /// The save button.
    pub settings_save: &'static str,
    /// Announced once saved.
    pub settings_saved: &'static str,
    /// Shown while the settings are the defaults nobody chose.
    pub settings_defaults: &'static str,
}

const EN: AttentionTexts = AttentionTexts {
    title: "Needs attention",
    intro: "What is waiting on you in this account: orders blocked on validations, certificates ending within 30 \
            days, renewed certificates nobody picked up, and emails that could not be delivered. Each line links to \
            the page where it is fixed.",
    empty: "Nothing needs your attention.",
    blocked_heading: "Orders waiting for validations",
    blocked_fix: "Complete the validations",
    ending_heading: "Certificates ending within 30 days",
    ending_fix: "Renew or order again",
    unpicked_heading: "Renewed certificates not picked up",
    unpicked_fix: "Send or install the new certificate",
    failed_heading: "Emails that could not be delivered",
    failed_fix: "Correct the address",
    settings_title: "Expiry reminders",
    settings_intro: "Emails sent before and after a certificate of this account ends, to its recipient and the \
                     order's notification addresses, and the escalation when a renewed certificate was not picked up.",
    settings_enabled: "Send expiry reminders and escalations",
    settings_thresholds: "When to send them",
    settings_administrators: "Also send them to the account's administrators, from 7 days before the end",
    settings_save: "Save the reminder settings",
    settings_saved: "Reminder settings saved.",
    settings_defaults: "These are the defaults: nobody changed them yet.",
};

const FR: AttentionTexts = AttentionTexts {
    title: "À traiter",
    intro: "Ce qui vous attend dans ce compte : commandes bloquées sur des vérifications, certificats qui expirent \
            dans les 30 jours, certificats renouvelés que personne n’a récupérés, et courriels qui n’ont pas pu être \
            remis. Chaque ligne mène à la page où cela se règle.",
    empty: "Rien ne demande votre attention.",
    blocked_heading: "Commandes en attente de vérifications",
    blocked_fix: "Terminer les vérifications",
    ending_heading: "Certificats qui expirent dans les 30 jours",
    ending_fix: "Renouveler ou commander à nouveau",
    unpicked_heading: "Certificats renouvelés non récupérés",
    unpicked_fix: "Envoyer ou installer le nouveau certificat",
    failed_heading: "Courriels qui n’ont pas pu être remis",
    failed_fix: "Corriger l’adresse",
    settings_title: "Rappels d’expiration",
    settings_intro: "Les courriels envoyés avant et après l’expiration d’un certificat de ce compte, à son \
                     destinataire et aux adresses de notification de la commande, et la relance quand un certificat \
                     renouvelé n’a pas été récupéré.",
    settings_enabled: "Envoyer les rappels d’expiration et les relances",
    settings_thresholds: "Quand les envoyer",
    settings_administrators: "Les envoyer aussi aux administrateurs du compte, à partir de 7 jours avant l’expiration",
    settings_save: "Enregistrer les réglages des rappels",
    settings_saved: "Réglages des rappels enregistrés.",
    settings_defaults: "Ce sont les réglages par défaut : personne ne les a encore modifiés.",
};

/// An order waiting on validations, as a line.
pub fn blocked_line(lang: Lang, order_id: &str, placed: &str) -> String {
    match lang {
        Lang::En => format!("Order {order_id}, placed {placed}, waits for validations to be completed."),
        Lang::Fr => format!("La commande {order_id}, passée le {placed}, attend que des vérifications soient faites."),
    }
}

/// A certificate ending soon, as a line.
pub fn ending_line(lang: Lang, serial: &str, email: &str, order_id: &str, ends: &str) -> String {
    match lang {
        Lang::En => format!("The certificate {serial} of {email} (order {order_id}) ends on {ends}."),
        Lang::Fr => format!("Le certificat {serial} de {email} (commande {order_id}) expire le {ends}."),
    }
}

/// A replacement nobody picked up, as a line.
pub fn unpicked_line(lang: Lang, serial: &str, replaced_by: &str, email: &str, ends: &str) -> String {
    match lang {
        Lang::En => format!(
            "The certificate {serial} of {email} ends on {ends}; its renewal {replaced_by} has not been downloaded, \
             fetched or installed."
        ),
        Lang::Fr => format!(
            "Le certificat {serial} de {email} expire le {ends} ; son renouvellement {replaced_by} n’a été ni \
             téléchargé, ni récupéré, ni installé."
        ),
    }
}

/// An email given up, as a line.
pub fn failed_line(lang: Lang, subject: &str, to: &str, reason: Option<&str>) -> String {
    match (lang, reason) {
        (Lang::En, Some(reason)) => format!("The email “{subject}” to {to} could not be delivered: {reason}."),
        (Lang::En, None) => format!("The email “{subject}” to {to} could not be delivered."),
        (Lang::Fr, Some(reason)) => format!("Le courriel « {subject} » à {to} n’a pas pu être remis : {reason}."),
        (Lang::Fr, None) => format!("Le courriel « {subject} » à {to} n’a pas pu être remis."),
    }
}

/// A reminder threshold's code (`shared::expiry::Threshold::code`) as people read it; an unknown code as is.
pub fn threshold_label(lang: Lang, code: &str) -> String {
    if code == "day_of" {
        return lang.pick("The day it ends", "Le jour de l’expiration").to_owned();
    }
    let (days, before) = match (code.strip_suffix("_days_before"), code.strip_suffix("_days_after")) {
        (Some(days), _) => (days, true),
        (None, Some(days)) => (days, false),
        (None, None) => return code.to_owned(),
    };
    let one = days == "1";
    match (lang, before, one) {
        (Lang::En, true, true) => "1 day before".to_owned(),
        (Lang::En, true, false) => format!("{days} days before"),
        (Lang::En, false, true) => "1 day after".to_owned(),
        (Lang::En, false, false) => format!("{days} days after"),
        (Lang::Fr, true, true) => "1 jour avant".to_owned(),
        (Lang::Fr, true, false) => format!("{days} jours avant"),
        (Lang::Fr, false, true) => "1 jour après".to_owned(),
        (Lang::Fr, false, false) => format!("{days} jours après"),
    }
}
