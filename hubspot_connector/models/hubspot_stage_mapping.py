from odoo import api, fields, models


class HubspotStageMapping(models.Model):
    """One HubSpot deal stage and the Odoo CRM stage it corresponds to.

    In "custom" mode sales managers fill ``stage_id`` in an editable list; in
    "automatic" mode the connector fills it. A stage without an Odoo stage is
    reported, and its deals wait: the connector never guesses.
    """

    _name = "hubspot.stage.mapping"
    _description = "HubSpot Deal Stage Mapping"
    _order = "pipeline_id, sequence, id"

    pipeline_id = fields.Many2one(
        "hubspot.pipeline", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="pipeline_id.company_id", store=True, index=True)
    hubspot_stage_id = fields.Char(string="HubSpot Stage ID", required=True, readonly=True)
    name = fields.Char(string="HubSpot Stage", required=True, readonly=True)
    sequence = fields.Integer(readonly=True)
    probability = fields.Float(
        string="Probability (%)",
        readonly=True,
        aggregator=None,
        help="HubSpot's win probability, 0 to 100.",
    )
    is_closed = fields.Boolean(readonly=True)
    is_won = fields.Boolean(readonly=True)
    is_lost = fields.Boolean(compute="_compute_is_lost", store=True)
    stage_id = fields.Many2one("crm.stage", string="Odoo Stage", ondelete="set null")
    team_id = fields.Many2one(related="pipeline_id.team_id", string="Sales Team")
    state = fields.Selection(
        [
            ("mapped", "Mapped"),
            ("lost", "Lost in Odoo"),
            ("unmapped", "Not mapped"),
            ("no_team", "Pipeline without sales team"),
        ],
        compute="_compute_state",
        help="Mapped: its deals get the Odoo stage. Lost in Odoo: its deals become lost "
        "opportunities (archived with a reason), no stage needed. Not mapped: its deals wait "
        "until a sales manager chooses an Odoo stage. Pipeline without sales team: the "
        "pipeline's deals stay out of Odoo until the pipeline gets a sales team.",
    )

    _sql_constraints = [
        (
            "pipeline_stage_uniq",
            "unique(pipeline_id, hubspot_stage_id)",
            "A HubSpot stage appears once per pipeline.",
        ),
    ]

    @api.depends("is_closed", "is_won")
    def _compute_is_lost(self):
        for mapping in self:
            mapping.is_lost = mapping.is_closed and not mapping.is_won

    @api.depends("is_lost", "stage_id", "pipeline_id.team_id")
    def _compute_state(self):
        for mapping in self:
            if not mapping.pipeline_id.team_id:
                mapping.state = "no_team"
            elif mapping.is_lost:
                mapping.state = "lost"
            else:
                mapping.state = "mapped" if mapping.stage_id else "unmapped"

    def write(self, vals):
        result = super().write(vals)
        if vals.get("stage_id"):
            # Deals waiting for this mapping move now, not at some later run.
            for company in self.company_id:
                company._hubspot_reevaluate_waiting()
        return result

    @api.model
    def _update_from_hubspot(self, pipeline, hubspot_stages):
        existing = {mapping.hubspot_stage_id: mapping for mapping in pipeline.stage_mapping_ids}
        for data in hubspot_stages:
            metadata = data.get("metadata") or {}
            probability = float(metadata.get("probability") or 0.0)
            is_closed = str(metadata.get("isClosed", "false")).lower() == "true"
            vals = {
                "name": data["label"],
                "sequence": data.get("displayOrder", 0),
                "probability": probability * 100,
                "is_closed": is_closed,
                "is_won": is_closed and probability >= 1.0,
            }
            if data["id"] in existing:
                existing[data["id"]].write(vals)
            else:
                self.create(dict(vals, pipeline_id=pipeline.id, hubspot_stage_id=data["id"]))
        gone = pipeline.stage_mapping_ids.filtered(
            lambda mapping: mapping.hubspot_stage_id not in {s["id"] for s in hubspot_stages}
        )
        gone.unlink()
