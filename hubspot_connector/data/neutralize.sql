-- neutralization of the HubSpot connector: no token, no webhook secret, no scheduled sync
UPDATE res_company
   SET hubspot_access_token = NULL,
       hubspot_token_verified = FALSE,
       hubspot_verified_api_url = NULL,
       hubspot_webhook_secret = NULL;
UPDATE ir_cron
   SET active = FALSE
 WHERE id IN (SELECT res_id FROM ir_model_data
               WHERE module = 'hubspot_connector' AND model = 'ir.cron');
