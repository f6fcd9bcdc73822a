//! Writes the import fixture (see `trove_import::fixture`) to `DIR/pictures`, with the folder a
//! link leads out to at `DIR/outside`: `cargo run -p trove-import --features fixture --example
//! fixture -- DIR`. The window's import test reads it.

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: fixture DIR"));
    let expected = trove_import::fixture::write(&dir.join("pictures"), &dir.join("outside"));
    println!("{} items, {} duplicates, {} failed", expected.indexed, expected.duplicates, expected.failed.len());
}
