//! The order pages' texts in English and French (`/console/orders`, `/console/orders/new`,
//! `/console/orders/{id}`), in the style of [`super::texts`]: one [`OrderTexts`] per language, and a function per
//! text with values in it.

use shared::pipeline::{Action, Actor, OrderState};

use crate::i18n::{I18n, Lang, Unit, count};

/// The order pages' texts in `lang`.
pub fn order_texts(lang: Lang) -> &'static OrderTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// One order text as a view, tracked like [`super::texts::text`].
pub fn order_text(
    t: I18n,
    pick: fn(&'static OrderTexts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + 'static {
    move || pick(order_texts(t.lang()))
}

/// An order state as people read it.
pub fn state_label(lang: Lang, state: OrderState) -> &'static str {
    match (lang, state) {
        (Lang::En, OrderState::AwaitingValidation) => "Awaiting validation",
        (Lang::En, OrderState::AwaitingEnrollment) => "Awaiting enrollment",
        (Lang::En, OrderState::Completed) => "Completed",
        (Lang::En, OrderState::Cancelled) => "Cancelled",
        (Lang::Fr, OrderState::AwaitingValidation) => "En attente de validation",
        (Lang::Fr, OrderState::AwaitingEnrollment) => "En attente d’enrôlement",
        (Lang::Fr, OrderState::Completed) => "Terminée",
        (Lang::Fr, OrderState::Cancelled) => "Annulée",
    }
}

/// Who must act on a step, as people read it.
pub fn actor_label(lang: Lang, actor: Actor) -> &'static str {
    match (lang, actor) {
        (Lang::En, Actor::CaAdministrator) => "a CA administrator",
        (Lang::En, Actor::OrganizationContact) => "the organization’s contact",
        (Lang::En, Actor::DomainContact) => "the domain’s contact",
        (Lang::En, Actor::Recipient) => "the recipient",
        (Lang::En, Actor::Nobody) => "nobody (Keyward or another step)",
        (Lang::Fr, Actor::CaAdministrator) => "un administrateur de l’AC",
        (Lang::Fr, Actor::OrganizationContact) => "le contact de l’organisation",
        (Lang::Fr, Actor::DomainContact) => "le contact du domaine",
        (Lang::Fr, Actor::Recipient) => "le destinataire",
        (Lang::Fr, Actor::Nobody) => "personne (Keyward ou une autre étape)",
    }
}

/// An action button's label.
pub fn action_label(lang: Lang, action: Action) -> &'static str {
    match (lang, action) {
        (Lang::En, Action::ResendEmail) => "Resend the email",
        (Lang::En, Action::ChangeValidationMethod) => "Change the validation method",
        (Lang::En, Action::CancelOrder) => "Cancel the order",
        (Lang::Fr, Action::ResendEmail) => "Renvoyer l’e-mail",
        (Lang::Fr, Action::ChangeValidationMethod) => "Changer la méthode de validation",
        (Lang::Fr, Action::CancelOrder) => "Annuler la commande",
    }
}

/// "At most {cap} days for this profile today."
pub fn validity_cap(lang: Lang, cap: u32) -> String {
    let days = count(lang, cap, Unit::Day);
    match lang {
        Lang::En => format!("This profile allows at most {days} for a certificate issued today."),
        Lang::Fr => format!("Ce profil permet au plus {days} pour un certificat émis aujourd’hui."),
    }
}

/// "Recipient {number}".
pub fn recipient_heading(lang: Lang, number: usize) -> String {
    match lang {
        Lang::En => format!("Recipient {number}"),
        Lang::Fr => format!("Destinataire {number}"),
    }
}

/// What the browser's pre-check found in a pasted or uploaded request.
pub fn csr_refused(lang: Lang, reason: &str) -> String {
    match lang {
        Lang::En => format!("This certificate request cannot be used: {reason}"),
        Lang::Fr => format!("Cette demande de certificat ne peut pas être utilisée : {reason}"),
    }
}

/// The request's key, accepted by the pre-check.
pub fn csr_accepted(lang: Lang, key: &str) -> String {
    match lang {
        Lang::En => {
            format!("Request read: {key} key, accepted by this profile (Keyward checks it again on submission).")
        }
        Lang::Fr => {
            format!("Demande lue : clé {key}, acceptée par ce profil (Keyward la vérifie de nouveau à l’envoi).")
        }
    }
}

/// The number of problems left before the order can be sent.
pub fn problems_left(lang: Lang, count: usize) -> String {
    match (lang, count) {
        (Lang::En, 1) => "One problem to fix before the order can be placed; it is shown next to its field.".into(),
        (Lang::En, _) => {
            format!("{count} problems to fix before the order can be placed; each is shown next to its field.")
        }
        (Lang::Fr, 1) => {
            "Un problème à corriger avant de passer la commande ; il est affiché à côté de son champ.".into()
        }
        (Lang::Fr, _) => {
            format!(
                "{count} problèmes à corriger avant de passer la commande ; chacun est affiché à côté de son champ."
            )
        }
    }
}

/// A step's blockers.
pub fn blocked_by(lang: Lang, what: &str) -> String {
    match lang {
        Lang::En => format!("Waits for: {what}"),
        Lang::Fr => format!("Attend : {what}"),
    }
}

/// Who must act on a step.
pub fn who_acts(lang: Lang, who: &str) -> String {
    match lang {
        Lang::En => format!("Who must act: {who}"),
        Lang::Fr => format!("Qui doit agir : {who}"),
    }
}

/// A step done at `date`.
pub fn done_at(lang: Lang, date: &str) -> String {
    match lang {
        Lang::En => format!("Done on {date}"),
        Lang::Fr => format!("Fait le {date}"),
    }
}

/// A page of the history.
pub fn page_number(lang: Lang, page: u32) -> String {
    match lang {
        Lang::En => format!("Page {page}"),
        Lang::Fr => format!("Page {page}"),
    }
}

/// The order pages' fixed texts.
pub struct OrderTexts {
    /// The text "nav orders".
    pub nav_orders: &'static str,
    /// The text "nav new order".
    pub nav_new_order: &'static str,
    /// The text "new order title".
    pub new_order_title: &'static str,
    /// The text "orders title".
    pub orders_title: &'static str,
    /// The text "order title".
    pub order_title: &'static str,
    /// The text "profile".
    pub profile: &'static str,
    /// The text "organization".
    pub organization: &'static str,
    /// The text "no validated organization".
    pub no_validated_organization: &'static str,
    /// The text "signature hash".
    pub signature_hash: &'static str,
    /// The text "validity".
    pub validity: &'static str,
    /// The text "validity years".
    pub validity_years: &'static str,
    /// The text "validity end date".
    pub validity_end_date: &'static str,
    /// The text "validity days".
    pub validity_days: &'static str,
    /// The text "auto renewals".
    pub auto_renewals: &'static str,
    /// The text "recipients".
    pub recipients: &'static str,
    /// The text "recipient name".
    pub recipient_name: &'static str,
    /// The text "given name".
    pub given_name: &'static str,
    /// The text "surname".
    pub surname: &'static str,
    /// The text "email".
    pub email: &'static str,
    /// The text "dns names".
    pub dns_names: &'static str,
    /// The text "dns names hint".
    pub dns_names_hint: &'static str,
    /// The text "csr later".
    pub csr_later: &'static str,
    /// The text "csr now".
    pub csr_now: &'static str,
    /// The text "csr paste".
    pub csr_paste: &'static str,
    /// The text "csr upload".
    pub csr_upload: &'static str,
    /// The text "csr missing".
    pub csr_missing: &'static str,
    /// The text "add recipient".
    pub add_recipient: &'static str,
    /// The text "remove recipient".
    pub remove_recipient: &'static str,
    /// The text "notification emails".
    pub notification_emails: &'static str,
    /// The text "notification hint".
    pub notification_hint: &'static str,
    /// The text "payment".
    pub payment: &'static str,
    /// The text "payment balance".
    pub payment_balance: &'static str,
    /// The text "payment balance hint".
    pub payment_balance_hint: &'static str,
    /// Before the account's balance on the order form.
    pub balance_available: &'static str,
    /// The text "payment contract".
    pub payment_contract: &'static str,
    /// The text "contract reference".
    pub contract_reference: &'static str,
    /// Said when the account has no active contract to pay under.
    pub no_contract: &'static str,
    /// Before what is left of a contract's limit.
    pub contract_left: &'static str,
    /// The text "agreement".
    pub agreement: &'static str,
    /// The text "submit".
    pub submit: &'static str,
    /// The text "submitting".
    pub submitting: &'static str,
    /// The text "number invalid".
    pub number_invalid: &'static str,
    /// The text "state".
    pub state: &'static str,
    /// The text "placed at".
    pub placed_at: &'static str,
    /// The text "price".
    pub price: &'static str,
    /// The text "pipeline".
    pub pipeline: &'static str,
    /// The text "downloads".
    pub downloads: &'static str,
    /// The text "not issued".
    pub not_issued: &'static str,
    /// Before the reason a CSR given with the order was refused when its issuance ran.
    pub issuance_refused: &'static str,
    /// The button that opens the revocation of a certificate.
    pub revoke: &'static str,
    /// The label of the revocation reason.
    pub revoke_reason: &'static str,
    /// The button that revokes, for good.
    pub revoke_confirm: &'static str,
    /// The button that closes the revocation without revoking.
    pub revoke_keep: &'static str,
    /// What revocation does, shown before confirming.
    pub revoke_warning: &'static str,
    /// Before the revocation date and reason of a revoked certificate.
    pub revoked: &'static str,
    /// The text "step organization".
    pub step_organization: &'static str,
    /// The text "step domain".
    pub step_domain: &'static str,
    /// The text "step mailbox".
    pub step_mailbox: &'static str,
    /// The text "step payment".
    pub step_payment: &'static str,
    /// The text "step recipient".
    pub step_recipient: &'static str,
    /// The text "search".
    pub search: &'static str,
    /// The text "search hint".
    pub search_hint: &'static str,
    /// The text "status filter".
    pub status_filter: &'static str,
    /// The text "all states".
    pub all_states: &'static str,
    /// The text "previous".
    pub previous: &'static str,
    /// The text "next".
    pub next: &'static str,
    /// The text "no orders".
    pub no_orders: &'static str,
    /// The text "order number".
    pub order_number: &'static str,
    /// The text "first recipient".
    pub first_recipient: &'static str,
    /// The text "recipient count".
    pub recipient_count: &'static str,
    /// The text "done action".
    pub done_action: &'static str,
}

static EN: OrderTexts = OrderTexts {
    nav_orders: "Orders",
    nav_new_order: "New order",
    new_order_title: "Order certificates",
    orders_title: "Orders",
    order_title: "Order",
    profile: "Product",
    organization: "Organization",
    no_validated_organization: "No organization of this account is validated: validate one before ordering.",
    signature_hash: "Signature hash",
    validity: "Validity",
    validity_years: "Years",
    validity_end_date: "Until a date",
    validity_days: "Number of days",
    auto_renewals: "Automatic renewals (0 to 5)",
    recipients: "Recipients",
    recipient_name: "Name (optional)",
    given_name: "Given name",
    surname: "Surname",
    email: "Email address",
    dns_names: "Host names",
    dns_names_hint: "One per line, under a validated domain.",
    csr_later: "Later: the recipient receives an enrollment link (KeyGen)",
    csr_now: "Now: a certificate request (CSR)",
    csr_paste: "Paste the request (PEM)",
    csr_upload: "or upload a file",
    csr_missing: "Paste or upload the certificate request, or choose an enrollment link instead.",
    add_recipient: "Add a recipient",
    remove_recipient: "Remove",
    notification_emails: "Also notify (optional)",
    notification_hint: "Addresses separated by commas or new lines, up to 10.",
    payment: "Payment",
    payment_balance: "From the account’s balance",
    payment_balance_hint: "The order is charged when it is placed; a shortfall is shown here.",
    balance_available: "Balance available:",
    payment_contract: "Under a contract",
    contract_reference: "Contract or purchase-order reference",
    no_contract: "Your account has no active contract: pay from the balance, or ask Keyward to set up a contract.",
    contract_left: "left:",
    agreement: "I accept the subscriber agreement (version 2026-12-01) on behalf of the organization.",
    submit: "Place the order",
    submitting: "Placing the order…",
    number_invalid: "Enter a whole number.",
    state: "State",
    placed_at: "Placed",
    price: "Price",
    pipeline: "Progress",
    downloads: "Certificate",
    not_issued: "Not issued yet",
    issuance_refused: "Not issued: the certificate was refused when it was to be issued.",
    revoke: "Revoke…",
    revoke_reason: "Reason",
    revoke_confirm: "Revoke for good",
    revoke_keep: "Keep it",
    revoke_warning: "Relying parties will refuse the certificate within minutes (CRL and OCSP). This cannot be undone.",
    revoked: "Revoked",
    step_organization: "Organization validation",
    step_domain: "Domain",
    step_mailbox: "Mailbox",
    step_payment: "Payment",
    step_recipient: "Recipient",
    search: "Search",
    search_hint: "Order number, recipient email or domain",
    status_filter: "State",
    all_states: "All states",
    previous: "Previous",
    next: "Next",
    no_orders: "No orders match.",
    order_number: "Order",
    first_recipient: "First recipient",
    recipient_count: "Recipients",
    done_action: "Done.",
};

static FR: OrderTexts = OrderTexts {
    nav_orders: "Commandes",
    nav_new_order: "Nouvelle commande",
    new_order_title: "Commander des certificats",
    orders_title: "Commandes",
    order_title: "Commande",
    profile: "Produit",
    organization: "Organisation",
    no_validated_organization: "Aucune organisation de ce compte n’est validée : validez-en une avant de commander.",
    signature_hash: "Empreinte de signature",
    validity: "Validité",
    validity_years: "Années",
    validity_end_date: "Jusqu’à une date",
    validity_days: "Nombre de jours",
    auto_renewals: "Renouvellements automatiques (0 à 5)",
    recipients: "Destinataires",
    recipient_name: "Nom (facultatif)",
    given_name: "Prénom",
    surname: "Nom de famille",
    email: "Adresse e-mail",
    dns_names: "Noms d’hôte",
    dns_names_hint: "Un par ligne, sous un domaine validé.",
    csr_later: "Plus tard : le destinataire reçoit un lien d’enrôlement (KeyGen)",
    csr_now: "Maintenant : une demande de certificat (CSR)",
    csr_paste: "Collez la demande (PEM)",
    csr_upload: "ou envoyez un fichier",
    csr_missing: "Collez ou envoyez la demande de certificat, ou choisissez plutôt un lien d’enrôlement.",
    add_recipient: "Ajouter un destinataire",
    remove_recipient: "Retirer",
    notification_emails: "Prévenir aussi (facultatif)",
    notification_hint: "Adresses séparées par des virgules ou des retours à la ligne, 10 au plus.",
    payment: "Paiement",
    payment_balance: "Sur le solde du compte",
    payment_balance_hint: "La commande est débitée au moment où elle est passée ; un manque est affiché ici.",
    balance_available: "Solde disponible :",
    payment_contract: "Dans le cadre d’un contrat",
    contract_reference: "Référence du contrat ou du bon de commande",
    no_contract: "Votre compte n’a aucun contrat actif : payez sur le solde, ou demandez un contrat à Keyward.",
    contract_left: "reste :",
    agreement: "J’accepte le contrat d’abonné (version 2026-12-01) au nom de l’organisation.",
    submit: "Passer la commande",
    submitting: "Commande en cours…",
    number_invalid: "Saisissez un nombre entier.",
    state: "État",
    placed_at: "Passée le",
    price: "Prix",
    pipeline: "Avancement",
    downloads: "Certificat",
    not_issued: "Pas encore émis",
    issuance_refused: "Non émis : le certificat a été refusé au moment de l’émission.",
    revoke: "Révoquer…",
    revoke_reason: "Motif",
    revoke_confirm: "Révoquer définitivement",
    revoke_keep: "Le garder",
    revoke_warning: "Les parties utilisatrices refuseront le certificat d’ici quelques minutes (LCR et OCSP). C’est irréversible.",
    revoked: "Révoqué",
    step_organization: "Validation de l’organisation",
    step_domain: "Domaine",
    step_mailbox: "Boîte aux lettres",
    step_payment: "Paiement",
    step_recipient: "Destinataire",
    search: "Rechercher",
    search_hint: "Numéro de commande, e-mail d’un destinataire ou domaine",
    status_filter: "État",
    all_states: "Tous les états",
    previous: "Précédente",
    next: "Suivante",
    no_orders: "Aucune commande ne correspond.",
    order_number: "Commande",
    first_recipient: "Premier destinataire",
    recipient_count: "Destinataires",
    done_action: "Fait.",
};
