//! `GET /api/v1/dev/mailbox` and `POST /api/v1/dev/seed`: development-only endpoints. The Worker answers them
//! only when `KEYWARD_ENV` is `development` (set in the git-ignored `.dev.vars`), and 404 otherwise.

use serde::{Deserialize, Serialize};

/// One email of the outbox, as the development mailbox shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailMessage {
    /// Outbox row identifier.
    pub id: String,
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// When the message was queued, seconds since the Unix epoch.
    pub created_at: i64,
    /// Delivery status: `pending`, `sent` or `failed`.
    pub status: String,
}

/// `GET /api/v1/dev/mailbox` response, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// The messages.
    pub messages: Vec<MailMessage>,
}

/// `POST /api/v1/dev/seed` request: the demo order's recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRequest {
    /// Recipient's given name.
    pub recipient_given_name: String,
    /// Recipient's surname.
    pub recipient_surname: String,
    /// Recipient's email address.
    pub recipient_email: String,
}

/// `POST /api/v1/dev/seed` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedResponse {
    /// The created order.
    pub order_id: String,
    /// The enrollment link that was emailed to the recipient.
    pub enrollment_url: String,
}
