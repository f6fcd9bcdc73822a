//! Tauri commands, one file per domain. Each deserializes its arguments, calls one `Store`
//! method on the blocking pool, and returns the result or an `ApiError`.

mod collections;
mod dupes;
mod import;
mod items;
mod links;
mod members;
mod projects;
mod queues;
mod settings;
pub mod sync;
mod tags;
mod undo;
mod views;

pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        projects::list_projects,
        projects::list_datasets,
        projects::rename_dataset,
        import::import_folder,
        import::import_status,
        import::cancel_import,
        import::export_collection,
        import::open_original,
        import::show_in_folder,
        items::query_items,
        items::item_ids,
        items::summarize,
        items::count_selection,
        items::get_item,
        dupes::near_duplicates,
        links::make_link,
        links::resolve_link,
        links::take_link,
        collections::list_collections,
        collections::create_collection,
        collections::update_collection,
        collections::delete_collection,
        collections::collection_history,
        members::add_to_collection,
        members::create_collection_and_add,
        members::remove_from_collection,
        members::move_item,
        members::set_note,
        tags::list_tags,
        tags::tag_items,
        tags::untag_items,
        undo::undo,
        undo::redo,
        undo::undo_state,
        views::list_views,
        views::open_view,
        views::create_view,
        views::update_view,
        views::delete_view,
        views::convert_view,
        queues::list_queues,
        queues::create_queue,
        queues::close_queue,
        queues::queue_items,
        queues::my_queue_work,
        queues::claim_queue_items,
        queues::submit_queue_item,
        queues::review_queue_items,
        queues::move_accepted,
        queues::project_people,
        queues::current_user,
        settings::get_settings,
        settings::set_settings,
        sync::sync_status,
        sync::get_server_settings,
        sync::save_server_settings,
        sync::remote_projects,
        sync::connect_project,
        sync::sync_now,
        sync::make_available_offline,
        sync::dismiss_refusals,
        sync::startup_project,
    ]
}


#[cfg(test)]
mod tests;
