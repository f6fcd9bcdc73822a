//! Tauri commands, one file per domain. Each deserializes its arguments, calls one `Store`
//! method on the blocking pool, and returns the result or an `ApiError`.

mod collections;
mod items;
mod members;
mod projects;
mod settings;
mod tags;

pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        projects::list_projects,
        projects::list_datasets,
        items::query_items,
        items::item_ids,
        items::summarize,
        items::count_selection,
        items::get_item,
        collections::list_collections,
        collections::create_collection,
        collections::update_collection,
        collections::delete_collection,
        members::add_to_collection,
        members::remove_from_collection,
        members::move_item,
        members::set_note,
        tags::list_tags,
        tags::tag_items,
        tags::untag_items,
        settings::get_settings,
        settings::set_settings,
    ]
}


#[cfg(test)]
mod tests;
