//! Formats of the card's own data (no I/O, no cryptographic checks): the Japanese era table
//! ([`era`]), the holder's sex in each of its encodings ([`sex`]), the My Number check digit
//! ([`my_number`]), card-verifiable certificates and key records ([`cvc`]), and the records of
//! the text and card-face applications with exactly what each J-LIS signature covers, plus
//! the composition of 照合番号B ([`records`]). Used alike by the card layer (reading), the
//! verifier (checking signatures) and the virtual card (writing). See
//! `docs/architecture.md`.

pub mod cvc;
pub mod era;
pub mod my_number;
pub mod records;
pub mod sex;
