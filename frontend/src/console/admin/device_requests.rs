//! `/console/admin/device-requests`: the CA administrators' queue of server requests, every account, oldest first,
//! each with its identifier, machine, requester and description, and approve, or reject with a reason (the request
//! card of `console/device_requests.rs`, deciding through the CA administrators' endpoint). English and French.

use leptos::prelude::*;
use shared::api::device_requests::{ADMIN_DECIDE_DEVICE_REQUEST, ADMIN_DEVICE_QUEUE, DeviceRequestList};

use crate::api;
use crate::console::device_requests::RequestCard;
use crate::i18n::{error_line, use_i18n};

/// `/console/admin/device-requests`.
#[component]
pub fn AdminDeviceRequestsPage() -> impl IntoView {
    let t = use_i18n();
    let version = RwSignal::new(0u32);
    let queue = LocalResource::new(move || {
        version.track();
        api::call::<DeviceRequestList>(&ADMIN_DEVICE_QUEUE, &[])
    });
    let changed = move || version.update(|version| *version += 1);
    view! {
        <h1>{move || t.lang().pick("Server requests", "Demandes de serveurs")}</h1>
        {move || queue.get().map(|result| match result {
            Ok(list) if list.requests.is_empty() => view! {
                <p data-testid="queue-empty">{move || t.lang().pick("No server request is waiting.", "Aucune demande de serveur en attente.")}</p>
            }.into_any(),
            Ok(list) => view! { <div data-testid="admin-device-queue">{list.requests.into_iter().map(|request| view! {
                <RequestCard request=request decide=&ADMIN_DECIDE_DEVICE_REQUEST changed=changed />
            }).collect_view()}</div> }.into_any(),
            Err(problem) => error_line(problem, t).into_any(),
        })}
    }
}
