#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
fn main() {
    // Before any thread starts: the environment is read by WebKit when the window opens.
    trove_app::software_rendering_without_gpu();
    trove_app::bound_allocator_arenas();
    trove_app::run();
}
