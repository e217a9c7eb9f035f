//! Files in and out of the page: a chosen file's bytes, and bytes offered as a download (an object URL), both
//! without any request.

use shared::api::ApiError;
use wasm_bindgen_futures::JsFuture;

use crate::api::js_error;

/// The bytes of a file the user chose.
pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, ApiError> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(js_error)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A `blob:` URL for `bytes`, for an `<a download>` link.
pub fn object_url(bytes: &[u8], content_type: &str) -> Result<String, ApiError> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_error)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)
}

/// A file name stem from a free text (a friendly name, a file name): ASCII letters and digits, others as `-`.
pub fn stem(text: &str) -> String {
    let stem: String =
        text.chars().map(|character| if character.is_ascii_alphanumeric() { character } else { '-' }).collect();
    let stem = stem.trim_matches('-');
    if stem.is_empty() { "certificate".to_owned() } else { stem.to_owned() }
}
