//! The virtual card's test PKI and card-image format, checked against the committed default
//! image and against the real `openssl` binary.

use std::path::{Path, PathBuf};

use mynacard::sim::image::write_default_image;

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-image/default")
}

/// Rewrites `sim-image/default/` (run after changing the PKI or the image format):
/// `cargo test --test sim_pki -- --ignored regenerate_committed_default_image`.
#[test]
#[ignore]
fn regenerate_committed_default_image() {
    let dir = committed_dir();
    let _ = std::fs::remove_dir_all(&dir);
    write_default_image(&dir).unwrap();
}
