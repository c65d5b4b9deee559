from collections import defaultdict

from odoo import api, fields, models

# Context key: ids of the activities being marked done that stay, archived, for their binding.
KEEP_DONE = "hubspot_keep_done"


class MailActivity(models.Model):
    """Scheduled activities that HubSpot tasks are.

    Odoo deletes an activity marked done (leaving a message in the chatter); one
    synced with a HubSpot task is archived instead, as activity types that keep
    done activities do, so its binding outlives it and sends the completion.
    """

    _name = "mail.activity"
    _inherit = ["mail.activity", "hubspot.activity.record"]

    # HubSpot's task priorities: Odoo's activities have none of their own.
    hubspot_priority = fields.Selection(
        [("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High")],
        string="Priority",
        help="The priority of the HubSpot task this activity is; set here, it is sent.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("hubspot_import"):
            return super().create(vals_list)
        # Odoo subscribes each assignee to the record in one insert per create, and two
        # tasks of one owner on one record in a batch would insert that follower twice:
        # they follow first. A task read from HubSpot notifies no one.
        res_ids = defaultdict(set)
        for vals in vals_list:
            user_id = vals.get("user_id") or self.env.uid
            res_ids[vals.get("res_model_id"), user_id].add(vals.get("res_id"))
        for (model_id, user_id), ids in res_ids.items():
            model = self.env["ir.model"].browse(model_id).model
            partner = self.env["res.users"].browse(user_id).partner_id
            if model and partner:
                self.env[model].browse(ids).exists().message_subscribe(partner_ids=partner.ids)
        return super(MailActivity, self.with_context(mail_activity_quick_update=True)).create(
            vals_list
        )

    def _action_done(self, feedback=False, attachment_ids=None):
        bound = self.env["mail.activity"]
        for binding_model in self.env["hubspot.binding"]._hubspot_binding_models(self._name):
            bindings = binding_model.sudo().search([("odoo_id", "in", self.ids)])
            bound |= bindings._hubspot_kept_when_done().odoo_id
        keep = list(self.env.context.get(KEEP_DONE, ())) + bound.ids
        return super(MailActivity, self.with_context(**{KEEP_DONE: keep}))._action_done(
            feedback=feedback, attachment_ids=attachment_ids
        )

    def unlink(self):
        kept = self.filtered(lambda a: a.id in self.env.context.get(KEEP_DONE, ()))
        kept.action_archive()
        return super(MailActivity, self - kept).unlink()

    def write(self, vals):
        if (
            self.env.context.get("hubspot_import")
            and vals.get("active") is False
            and not self.env.context.get(KEEP_DONE)
        ):
            # Completed in HubSpot: done in Odoo the way Odoo marks it, message included.
            todo = self.filtered("active")
            result = super().write({key: value for key, value in vals.items() if key != "active"})
            todo._action_done()
            return result
        return super().write(vals)
