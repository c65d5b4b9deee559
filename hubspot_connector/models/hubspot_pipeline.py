from odoo import api, fields, models


class HubspotPipeline(models.Model):
    """A HubSpot deal pipeline, and the sales team whose opportunities it syncs."""

    _name = "hubspot.pipeline"
    _description = "HubSpot Deal Pipeline"
    _order = "company_id, sequence, id"

    name = fields.Char(required=True)
    hubspot_id = fields.Char(string="HubSpot ID", required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        check_company=True,
        help="Opportunities of this team sync with deals of this pipeline. "
        "Leave empty to leave the pipeline out of the sync.",
    )
    stage_mapping_ids = fields.One2many("hubspot.stage.mapping", "pipeline_id", "Stages")
    unmapped_stage_count = fields.Integer(compute="_compute_unmapped_stage_count")

    _sql_constraints = [
        (
            "hubspot_id_company_uniq",
            "unique(company_id, hubspot_id)",
            "This HubSpot pipeline is already known for this company.",
        ),
        (
            "team_company_uniq",
            "unique(company_id, team_id)",
            "A sales team can sync with one HubSpot pipeline only.",
        ),
    ]

    # Closed lost needs no stage: its deals become lost opportunities.
    @api.depends("stage_mapping_ids.stage_id", "stage_mapping_ids.is_lost")
    def _compute_unmapped_stage_count(self):
        for pipeline in self:
            pipeline.unmapped_stage_count = len(
                pipeline.stage_mapping_ids.filtered(
                    lambda mapping: not mapping.stage_id and not mapping.is_lost
                )
            )

    def write(self, vals):
        """A pipeline that gets a team gets its stages, and its deals left out are read again."""
        result = super().write(vals)
        if vals.get("team_id"):
            for pipeline in self.filtered(
                lambda p: p.company_id.hubspot_stage_mapping_mode == "automatic"
            ):
                self.env["hubspot.deal.stage"].sudo()._apply_automatic_stages(pipeline.sudo())
            for company in self.company_id:
                self.env["hubspot.sync.issue"]._retry_left_out(company)
        return result

    @api.model
    def _update_from_hubspot(self, hubspot_pipelines, company):
        """Create or update pipelines and their stage rows from HubSpot's answer.

        Returns the pipelines of ``company`` that HubSpot knows. Stage rows keep
        the Odoo stage a manager chose; stages gone from HubSpot are removed from
        the mapping only, never from Odoo.
        """
        existing = {
            pipeline.hubspot_id: pipeline
            for pipeline in self.with_context(active_test=False).search(
                [("company_id", "=", company.id)]
            )
        }
        pipelines = self.browse()
        for data in hubspot_pipelines:
            vals = {
                "name": data["label"],
                "sequence": data.get("displayOrder", 0),
                "active": not data.get("archived", False),
            }
            pipeline = existing.get(data["id"])
            if pipeline:
                pipeline.write(vals)
            else:
                pipeline = self.create(dict(vals, hubspot_id=data["id"], company_id=company.id))
            pipeline.stage_mapping_ids._update_from_hubspot(pipeline, data.get("stages") or [])
            pipelines |= pipeline
        return pipelines
