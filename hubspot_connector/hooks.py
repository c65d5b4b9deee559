def post_init_hook(env):
    """Companies that existed before the install get the HubSpot contacts tag too."""
    category = env.ref("hubspot_connector.partner_category_hubspot")
    env["res.company"].search([("hubspot_partner_category_id", "=", False)]).write(
        {"hubspot_partner_category_id": category.id}
    )
