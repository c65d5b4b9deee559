/** @odoo-module **/
// What a person sees on the connector's screens, asserted in a real browser. The data is
// made by tests/odoo_suite/test_tour.py.

import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");
const backToSyncHealth = {
    content: "Back to Sync Health",
    trigger: ".o_breadcrumb a:contains('HubSpot Sync Health')",
    run: "click",
};

tours.add("hubspot_sync_health", {
    url: "/odoo/action-hubspot_connector.hubspot_sync_issue_action",
    steps: () => [
        {
            content: "Problems are grouped under readable labels, groups open",
            trigger: ".o_group_header:contains('Several possible matches')",
        },
        { trigger: ".o_group_header:contains('Value refused')" },
        {
            trigger:
                ".o_list_view:not(:has(.o_group_header:contains('ambiguous_match'))):not(:has(.o_group_header:contains('pipeline_without_team')))",
        },
        {
            content: "A pipeline without sales team is one row counting the deals it holds back",
            trigger:
                ".o_group_header:contains('Pipeline without sales team') + .o_data_row:contains('Pipeline Partner pipeline') td[name=held_count]:contains('3')",
        },
        {
            content: "Each row says what to do",
            trigger:
                ".o_data_row:contains('Pipeline Partner pipeline') td[name=what_to_do]:contains('choose the sales team')",
        },
        {
            content: "A review offers no Retry that cannot help",
            trigger:
                ".o_data_row:contains('Odoo records match'):not(:has(button[name=action_retry]))",
        },
        {
            content: "A review row links to its HubSpot record",
            trigger:
                ".o_data_row:contains('Odoo records match') td[name=hubspot_url] a[href*='/record/0-1/']:contains('Open in HubSpot')",
        },
        {
            content: "A row without HubSpot record has no HubSpot link",
            trigger:
                ".o_data_row:contains('Pipeline Partner pipeline') td[name=hubspot_url]:not(:has(a))",
        },
        {
            content: "Open the pipeline that holds the deals back",
            trigger: ".o_data_row:contains('Pipeline Partner pipeline') button[name=action_open_pipeline]",
            run: "click",
        },
        {
            content: "The pipeline says why its deals stay out",
            trigger: ".o_form_view .alert-warning:contains('syncs with no sales team')",
        },
        backToSyncHealth,
        {
            content: "Open the review",
            trigger: ".o_data_row:contains('Odoo records match') td[name=name]",
            run: "click",
        },
        { trigger: ".o_form_view .alert-info:contains('What to do')" },
        {
            content: "The HubSpot side shows next to the candidates",
            trigger: ".o_form_view .o_field_widget[name=email]:contains('same@example.com')",
        },
        {
            content: "Candidates show what tells them apart",
            trigger: ".o_field_widget[name=candidate_partner_ids] td:contains('same@example.com')",
        },
        {
            content: "One click links the right candidate",
            trigger:
                ".o_field_widget[name=candidate_partner_ids] .o_data_row:contains('Same 0') button[name=action_hubspot_link_review]",
            run: "click",
        },
        {
            content: "Linking says what it did",
            trigger: ".o_notification:contains('Linked to Same 0')",
        },
        backToSyncHealth,
        {
            content: "A failing record is in the list: open it",
            trigger: ".o_data_row:contains('Bad Mail') button[name=action_open_record]",
            run: "click",
        },
        {
            content: "The partner form shows the failure, its message and the action",
            trigger: ".o_form_view .alert-danger:contains('HubSpot sync failing'):contains('no-at-sign')",
        },
        {
            trigger: ".o_form_view .alert-danger button[name=action_hubspot_retry]",
            run: "click",
        },
        {
            content: "Retry says what it did",
            trigger: ".o_notification:contains('will be read from HubSpot')",
        },
    ],
});

tours.add("hubspot_stage_mapping", {
    url: "/odoo/action-hubspot_connector.hubspot_stage_mapping_action",
    steps: () => [
        {
            content: "Groups are open; probabilities are plain numbers, never summed",
            trigger:
                ".o_data_row:contains('Appointment Scheduled') td[name=probability]:contains('20'):not(:contains('.'))",
        },
        {
            trigger:
                ".o_group_header:contains('Sales Pipeline'):not(:has(.o_list_number:contains('390')))",
        },
        {
            content: "Closed lost is handled: Odoo's lost",
            trigger: ".o_data_row:contains('Closed Lost') td[name=state]:contains('Lost in Odoo')",
        },
        {
            content: "A pipeline without team says so",
            trigger: ".o_data_row:contains('Talk') td[name=state]:contains('Pipeline without sales team')",
        },
        {
            content: "Map a stage",
            trigger: ".o_data_row:contains('Decision Maker Bought-In') td[name=stage_id]",
            run: "click",
        },
        {
            trigger: ".o_data_row.o_selected_row td[name=stage_id] input",
            run: "edit Contract Sent",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Contract Sent')",
            run: "click",
        },
        {
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            trigger:
                ".o_data_row:contains('Decision Maker Bought-In'):not(.o_selected_row) td[name=stage_id]:contains('Contract Sent')",
        },
    ],
});

tours.add("hubspot_team_pipeline", {
    url: "/odoo/action-crm.action_your_pipeline",
    steps: () => [
        {
            content: "The mapped team's pipeline shows HubSpot's stages",
            trigger: ".o_kanban_group .o_column_title:contains('Appointment Scheduled')",
        },
        {
            content: "...and not Odoo's shared ones: one won stage",
            trigger:
                ".o_kanban_renderer:not(:has(.o_column_title:contains('Proposition'))):not(:has(.o_column_title:contains('New')))",
        },
        {
            trigger: ".o_kanban_record:contains('Tour deal')",
            run: "click",
        },
        {
            content: "The stage bar offers HubSpot's stages only",
            trigger:
                ".o_statusbar_status:has(button:contains('Closed Won')):not(:has(button:contains('Proposition')))",
        },
    ],
});

tours.add("hubspot_settings", {
    url: "/odoo/action-hubspot_connector.hubspot_settings_action",
    steps: () => [
        {
            content: "Last runs read in plain words",
            trigger: "#hubspot_status:contains('Deals: Read HubSpot changes'):not(:contains('UTC'))",
        },
        {
            content: "The overview counts what Sync Health lists",
            trigger: "#hubspot_attention:contains('Pipeline without sales team: 1'):contains('HubSpot requests today')",
        },
        {
            trigger: ".o_field_widget[name=hubspot_default_team_id] input:value('Sales')",
        },
        {
            trigger: "button[name=action_hubspot_test_connection]",
            run: "click",
        },
        { trigger: ".o_notification:contains('HubSpot access token saved and verified')" },
        {
            content: "The connection test filled the portal id",
            trigger: ".o_field_widget[name=hubspot_portal_id] input:value('24587913')",
        },
        {
            content: "The sales team still shows after the button",
            trigger: ".o_field_widget[name=hubspot_default_team_id] input:value('Sales')",
        },
        {
            trigger: "button[name=action_hubspot_fetch_options]",
            run: "click",
        },
        { trigger: ".o_notification:contains('Fetched')" },
        {
            trigger: ".o_field_widget[name=hubspot_default_team_id] input:value('Sales')",
        },
    ],
});

tours.add("hubspot_settings_emails", {
    url: "/odoo/action-hubspot_connector.hubspot_settings_action",
    steps: () => [
        {
            content: "E-mails switched on offer their direction",
            trigger: ".o_field_widget[name=hubspot_sync_emails] input",
            run: "check",
        },
        {
            content: "...HubSpot to Odoo unless chosen",
            trigger: ".o_field_widget[name=hubspot_email_direction] input[data-value=hubspot2odoo]",
            run() {
                if (!this.anchor.checked) {
                    throw new Error("The e-mail direction is not HubSpot to Odoo");
                }
            },
        },
        {
            trigger: ".o_field_widget[name=hubspot_email_direction] input[data-value=both]",
            run: "click",
        },
        { trigger: ".o_form_button_save", run: "click" },
        {
            content: "Saved: both ways",
            trigger:
                ".o_form_renderer:not(.o_form_dirty) .o_field_widget[name=hubspot_email_direction] input[data-value=both]",
            run() {
                if (!this.anchor.checked) {
                    throw new Error("The e-mail direction is not both ways after saving");
                }
            },
        },
    ],
});
