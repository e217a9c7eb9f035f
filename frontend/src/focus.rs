//! Focus moves to the first error after a form is submitted (WCAG 3.3.1, and what a keyboard or screen-reader
//! user needs: the error is where they are, not somewhere above). One `submit` listener for every form of both
//! apps, installed once at start, remembers the submitted form's container (its parent, where the pages put the
//! errors shown above the form); the page's own checks show their errors at once, the Worker's when its answer
//! arrives, and each place that shows an error calls [`error_shown`]. Then focus goes to the control of the first
//! error, or to the error itself when it names no control. Typing again forgets the submission, so errors shown
//! while typing never move the focus.
//!
//! Which control an error belongs to: a control of the container named like the error's `data-field` (`name`
//! attribute), else the last control before the error (the console's forms show a field's error right after its
//! label), else none: the error paragraph itself takes the focus (`tabindex="-1"`). A field's error
//! (`.field-error`) comes before an error shown above the form, which a summary may be.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, HtmlElement};

thread_local! {
    /// The container of the form submitted last, while its errors are awaited.
    static PENDING: RefCell<Option<Element>> = const { RefCell::new(None) };
}

/// The controls an error can send the focus to.
const CONTROLS: &str = "input:not([type=hidden]), select, textarea";

/// Installs the listeners on the document (once per page).
pub fn install() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let on_submit = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let Some(form) = event.target().and_then(|target| target.dyn_into::<Element>().ok()) else { return };
        let scope = form.parent_element().unwrap_or(form);
        PENDING.with(|pending| *pending.borrow_mut() = Some(scope));
        // The page's own checks may show nothing new (the same errors are already shown): look once the page
        // has drawn what the submission changed.
        error_shown();
    });
    let on_input = Closure::<dyn Fn(web_sys::Event)>::new(|_: web_sys::Event| {
        PENDING.with(|pending| pending.borrow_mut().take());
    });
    let _ = document.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    let _ = document.add_event_listener_with_callback("input", on_input.as_ref().unchecked_ref());
    // The page lives as long as the document: the listeners are never removed.
    on_submit.forget();
    on_input.forget();
}

/// Called where an error is drawn: once the page has drawn it, the focus moves to the first error of the
/// submitted form, if a submission awaits its errors.
pub fn error_shown() {
    if PENDING.with(|pending| pending.borrow().is_none()) {
        return;
    }
    let check = Closure::once_into_js(check_pending);
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(check.unchecked_ref(), 0);
    }
}

/// Moves the focus to the first error of the submitted form's container, if one shows; then forgets the form.
fn check_pending() {
    let Some(scope) = PENDING.with(|pending| pending.borrow().clone()) else { return };
    if move_to_first_error(&scope) {
        PENDING.with(|pending| pending.borrow_mut().take());
    }
}

/// Focuses the control of the first error shown in `scope` (or the error); false when no error shows.
fn move_to_first_error(scope: &Element) -> bool {
    let first = |selector: &str| scope.query_selector(selector).ok().flatten();
    let Some(error) = first(".field-error[role=alert]").or_else(|| first("[role=alert]")) else { return false };
    let named = error
        .get_attribute("data-field")
        .filter(|field| !field.is_empty() && !field.contains('"'))
        .and_then(|field| first(&format!("[name=\"{field}\"]")));
    let target = named
        .or_else(|| error.class_list().contains("field-error").then(|| control_before(&error, scope)).flatten())
        .unwrap_or_else(|| {
            // No control: the message itself, which a keyboard cannot reach otherwise.
            let _ = error.set_attribute("tabindex", "-1");
            error.clone()
        });
    match target.dyn_into::<HtmlElement>() {
        Ok(element) => element.focus().is_ok(),
        Err(_) => false,
    }
}

/// The last control before `error` in document order, within `scope`: in the error's earlier siblings, then its
/// parent's, up to the scope.
fn control_before(error: &Element, scope: &Element) -> Option<Element> {
    let mut node = error.clone();
    loop {
        let mut sibling = node.previous_element_sibling();
        while let Some(element) = sibling {
            if let Some(control) = last_control(&element) {
                return Some(control);
            }
            sibling = element.previous_element_sibling();
        }
        let parent = node.parent_element()?;
        if parent == *scope || !scope.contains(Some(&parent)) {
            return None;
        }
        node = parent;
    }
}

/// `element` if it is a control, else the last control inside it.
fn last_control(element: &Element) -> Option<Element> {
    if element.matches(CONTROLS).unwrap_or(false) {
        return Some(element.clone());
    }
    let mut child = element.last_element_child();
    while let Some(current) = child {
        if let Some(control) = last_control(&current) {
            return Some(control);
        }
        child = current.previous_element_sibling();
    }
    None
}
