//! (to be written)
pub mod image;
