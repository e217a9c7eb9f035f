//! The signup pages' texts in English and French (`/signup`, `/signup/{token}`, and the login page's "Create an
//! account" link), in the style of [`super::texts`]: one [`SignupTexts`] per language, a function per text with
//! values in it.

use crate::i18n::{I18n, Lang};

/// The signup pages' texts in `lang`.
pub fn signup_texts(lang: Lang) -> &'static SignupTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// One signup text, tracked like [`super::texts::text`].
pub fn signup_text(
    t: I18n,
    pick: fn(&'static SignupTexts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + 'static {
    move || pick(signup_texts(t.lang()))
}

/// Until when an open link works.
pub fn open_until(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("This link works once, until {date}."),
        Lang::Fr => format!("Ce lien fonctionne une fois, jusqu’au {date}."),
    }
}

/// What the signup said, for the link's page.
pub fn confirming(lang: Lang, organization: &str, name: &str, email: &str) -> String {
    match lang {
        Lang::En => format!("Account {organization}, first administrator {name} ({email})."),
        Lang::Fr => format!("Compte {organization}, premier administrateur {name} ({email})."),
    }
}

/// A spent link.
pub fn spent_detail(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("This link was used on {date}: the account exists. Log in with its address."),
        Lang::Fr => {
            format!("Ce lien a été utilisé le {date}\u{a0}: le compte existe. Connectez-vous avec son adresse.")
        }
    }
}

/// An expired link.
pub fn expired_detail(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("This link expired on {date}. Sign up again to receive a new one."),
        Lang::Fr => format!("Ce lien a expiré le {date}. Inscrivez-vous de nouveau pour en recevoir un autre."),
    }
}

/// Every fixed text of the signup pages.
pub struct SignupTexts {
    /// The login page's link to `/signup`.
    pub create_account: &'static str,
    /// `/signup`'s heading.
    pub title: &'static str,
    /// What signing up does.
    pub intro: &'static str,
    /// The organization's name field.
    pub organization_name: &'static str,
    /// The administrator's name field.
    pub name: &'static str,
    /// The address field.
    pub email: &'static str,
    /// The submit button.
    pub submit: &'static str,
    /// After the form: check your mail.
    pub sent: &'static str,
    /// `/signup/{token}`'s heading.
    pub link_title: &'static str,
    /// The link's submit button.
    pub link_submit: &'static str,
    /// A spent link's heading.
    pub spent_title: &'static str,
    /// An expired link's heading.
    pub expired_title: &'static str,
    /// An unknown link's heading.
    pub unknown_title: &'static str,
    /// Back to the form.
    pub again: &'static str,
    /// To the login page.
    pub to_login: &'static str,
    /// While waiting.
    pub working: &'static str,
    /// While loading.
    pub loading: &'static str,
}

const EN: SignupTexts = SignupTexts {
    create_account: "Create an account",
    title: "Create a Keyward account",
    intro: "Your organization's name and your own details: you will be the account's first administrator. We email \
            you a link to confirm the address and choose your password. Creating the account validates nothing: \
            you add and validate your organization in the console afterwards.",
    organization_name: "Organization name",
    name: "Your name",
    email: "Your email address",
    submit: "Send the confirmation link",
    sent: "Check your mailbox: the link is on its way (if the address already has an account, the email says how \
           to log in).",
    link_title: "Choose your password",
    link_submit: "Create the account",
    spent_title: "This link was used",
    expired_title: "This link expired",
    unknown_title: "This link does not work",
    again: "Sign up again",
    to_login: "Log in",
    working: "Working…",
    loading: "Loading…",
};

const FR: SignupTexts = SignupTexts {
    create_account: "Créer un compte",
    title: "Créer un compte Keyward",
    intro: "Le nom de votre organisation et vos coordonnées\u{a0}: vous serez le premier administrateur du compte. \
            Nous vous envoyons un lien pour confirmer l’adresse et choisir votre mot de passe. Créer le compte ne \
            valide rien\u{a0}: vous ajoutez et faites valider votre organisation ensuite dans la console.",
    organization_name: "Nom de l’organisation",
    name: "Votre nom",
    email: "Votre adresse électronique",
    submit: "Envoyer le lien de confirmation",
    sent: "Consultez votre messagerie\u{a0}: le lien est en route (si l’adresse a déjà un compte, le message \
           explique comment vous connecter).",
    link_title: "Choisissez votre mot de passe",
    link_submit: "Créer le compte",
    spent_title: "Ce lien a été utilisé",
    expired_title: "Ce lien a expiré",
    unknown_title: "Ce lien ne fonctionne pas",
    again: "S’inscrire de nouveau",
    to_login: "Se connecter",
    working: "En cours…",
    loading: "Chargement…",
};
