//! Uploaded files: read from `multipart/form-data` within `[uploads]` limits, their
//! names made safe to use on disk.

use bytes::Bytes;
use http::StatusCode;

use crate::error::HttpError;
use crate::settings::UploadSettings;

/// A file sent with a form.
///
/// `file_name` is already safe ([`safe_file_name`]); `content_type` is what the browser
/// claimed, so check the bytes themselves before trusting it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UploadedFile {
    /// The form field it came in.
    pub field: String,
    /// The file's name, reduced to a safe base name.
    pub file_name: String,
    /// The type the browser claimed.
    pub content_type: Option<String>,
    /// The contents.
    pub bytes: Bytes,
}

/// A client-supplied file name reduced to something safe to store: the last path
/// component only (no `..`, no folders, on any OS), letters, digits, `.`, `-` and `_`
/// kept (others become `_`), no leading dot (no hidden files), at most 100 characters
/// with the extension kept, and `file` when nothing is left.
///
/// ```
/// use galvani_core::forms::safe_file_name;
/// assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
/// assert_eq!(safe_file_name(r"C:\Users\ada\My Photo.JPG"), "My_Photo.JPG");
/// assert_eq!(safe_file_name(".htaccess"), "htaccess");
/// assert_eq!(safe_file_name("<script>.html"), "_script_.html");
/// assert_eq!(safe_file_name(".."), "file");
/// ```
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.').trim_end_matches('.');
    if trimmed.chars().all(|c| c == '_') {
        return "file".to_owned();
    }
    const MAX: usize = 100;
    if trimmed.len() <= MAX {
        return trimmed.to_owned();
    }
    // ASCII only by now, so byte slicing is safe.
    match trimmed.rsplit_once('.') {
        Some((stem, ext)) if ext.len() < 16 => format!("{}.{ext}", &stem[..MAX - ext.len() - 1]),
        _ => trimmed[..MAX].to_owned(),
    }
}

/// Reads a multipart body: its text fields and its files, within the limits.
pub(crate) async fn read_multipart(
    body: axum::body::Body,
    boundary: String,
    limits: &UploadSettings,
) -> Result<(Vec<(String, String)>, Vec<UploadedFile>), HttpError> {
    let constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().per_field(limits.max_file_size.bytes()));
    let mut multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let (mut fields, mut files) = (Vec::new(), Vec::new());
    let mut count = 0;
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        count += 1;
        if count > limits.max_fields {
            return Err(too_many_fields(limits));
        }
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                if files.len() == limits.max_files {
                    return Err(HttpError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "at most {} files can be sent at once (uploads.max_files)",
                            limits.max_files
                        ),
                    ));
                }
                let content_type = field.content_type().map(|m| m.to_string());
                let bytes = field.bytes().await.map_err(refused)?;
                // A file input left empty still sends a part, with no name and no bytes.
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                files.push(UploadedFile {
                    field: name,
                    file_name: safe_file_name(&file_name),
                    content_type,
                    bytes,
                });
            }
            None => fields.push((name, field.text().await.map_err(refused)?)),
        }
    }
    Ok((fields, files))
}

/// The answer to a form body with more than `uploads.max_fields` fields.
pub(crate) fn too_many_fields(limits: &UploadSettings) -> HttpError {
    HttpError::bad_request(format!(
        "the form has more than {} fields (uploads.max_fields)",
        limits.max_fields
    ))
}

fn refused(e: multer::Error) -> HttpError {
    match e {
        multer::Error::FieldSizeExceeded { limit, field_name } => HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the file in `{}` is larger than {limit} bytes (uploads.max_file_size)",
                field_name.unwrap_or_default()
            ),
        ),
        multer::Error::StreamSizeExceeded { limit } => HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {limit} bytes"),
        ),
        other => HttpError::bad_request(format!("the multipart body is malformed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "a".repeat(300));
        let safe = safe_file_name(&long);
        assert_eq!(safe.len(), 100);
        assert!(safe.ends_with(".pdf"));
        assert_eq!(safe_file_name("résumé.pdf"), "r_sum_.pdf");
        assert_eq!(safe_file_name("a/b/"), "file");
    }
}
