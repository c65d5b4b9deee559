from odoo import api, models

from .hubspot_common import HubspotValueError, run_cached


class HubspotDealStage(models.AbstractModel):
    """Where a deal's stage is decided, both ways, and how pipelines map to sales teams.

    A HubSpot pipeline syncs with one sales team; each HubSpot stage maps to an
    Odoo stage (automatically 1:1, or by a sales manager). Closed-won is a won
    stage; closed-lost has no Odoo stage: the opportunity is lost (archived with
    a reason), as Odoo does. A stage without a mapping is never guessed: the
    deal waits, with a note, until one is mapped.
    """

    _name = "hubspot.deal.stage"
    _description = "HubSpot Deal Stage Decisions"

    @api.model
    def _pipelines(self, company):
        """The company's pipelines that a sales team syncs."""
        pipeline_model = self.env["hubspot.pipeline"].sudo()
        return pipeline_model.browse(
            run_cached(
                self.env,
                ("pipelines", company.id),
                lambda: (
                    pipeline_model.search(
                        [("company_id", "=", company.id), ("team_id", "!=", False)]
                    ).ids
                ),
            )
        )

    @api.model
    def _teams_with_own_stages(self):
        """Sales teams whose stages follow a HubSpot pipeline (automatic mode)."""
        return (
            self.env["hubspot.pipeline"]
            .sudo()
            .search(
                [
                    ("team_id", "!=", False),
                    ("company_id.hubspot_stage_mapping_mode", "=", "automatic"),
                ]
            )
            .team_id
        )

    @api.model
    def _pipeline_names(self, company):
        """Names of all the company's known pipelines, by HubSpot id."""
        pipeline_model = self.env["hubspot.pipeline"].sudo().with_context(active_test=False)
        return run_cached(
            self.env,
            ("pipeline_names", company.id),
            lambda: {
                p.hubspot_id: p.name
                for p in pipeline_model.search([("company_id", "=", company.id)])
            },
        )

    @api.model
    def _hubspot_stage_of(self, lead, company, base, names):
        """HubSpot's pipeline and stage for an opportunity: ``{pipeline: id, stage: id}``.

        Lost is the pipeline's closed-lost stage. Several HubSpot stages may share
        one Odoo stage: the one HubSpot has is kept.
        """
        pipeline_name, stage_name = names
        pipeline = self._pipelines(company).filtered(lambda p: p.team_id == lead.team_id)[:1]
        if not pipeline:
            return {
                pipeline_name: base.get(pipeline_name, ""),
                stage_name: base.get(stage_name, ""),
            }
        stages = pipeline.stage_mapping_ids
        if not lead.active and lead.probability == 0:
            candidates = stages.filtered("is_lost")
        else:
            candidates = stages.filtered(lambda m: m.stage_id == lead.stage_id and not m.is_lost)
        if not candidates:
            raise HubspotValueError(
                self.env._(
                    "Odoo stage %(stage)s has no HubSpot stage in pipeline %(pipeline)s: "
                    "map it in the stage mapping.",
                    stage=lead.stage_id.name if lead.active else self.env._("Lost"),
                    pipeline=pipeline.name,
                ),
                "unmapped_stage",
                waiting=True,
            )
        kept = candidates.filtered(lambda m: m.hubspot_stage_id == base.get(stage_name))
        return {
            pipeline_name: pipeline.hubspot_id,
            stage_name: (kept or candidates)[0].hubspot_stage_id,
        }

    @api.model
    def _odoo_stage_of(self, company, pipeline_id, stage_id, lost_reason, stage_field):
        """Odoo values for HubSpot's pipeline and stage: team, stage, probability, won or lost."""
        pipeline = self._pipelines(company).filtered(lambda p: p.hubspot_id == pipeline_id)
        stage = pipeline.stage_mapping_ids.filtered(lambda m: m.hubspot_stage_id == stage_id)
        if not pipeline or not stage:
            raise HubspotValueError(
                self.env._(
                    "HubSpot pipeline %(pipeline)s or stage %(stage)s is unknown: fetch the "
                    "stages in the settings.",
                    pipeline=pipeline_id,
                    stage=stage_id,
                ),
                "unknown_stage",
                waiting=True,
                blocking=True,
            )
        if stage.is_lost:
            return {
                "team_id": pipeline.team_id.id,
                "active": False,
                "probability": 0,
                "lost_reason_id": self._lost_reason(
                    lost_reason or self.env._("Lost in HubSpot")
                ).id,
            }
        if not stage.stage_id:
            raise HubspotValueError(
                self.env._(
                    "HubSpot stage %(stage)s of %(pipeline)s is not mapped to an Odoo stage: "
                    "the deal waits until a sales manager maps it.",
                    stage=stage.name,
                    pipeline=pipeline.name,
                ),
                "unmapped_stage",
                waiting=True,
                blocking=True,
            )
        return {
            "team_id": pipeline.team_id.id,
            stage_field: stage.stage_id.id,
            "probability": 100 if stage.is_won else stage.probability,
            "active": True,
            "lost_reason_id": False,
        }

    @api.model
    def _lost_reason(self, name):
        reason_model = self.env["crm.lost.reason"].sudo()
        return reason_model.search([("name", "=ilike", name)], limit=1) or reason_model.create(
            {"name": name}
        )

    @api.model
    def _setup_pipelines(self, pipelines, company):
        """Map the default pipeline to a team out of the box; apply automatic stages.

        A fresh install then syncs deals of HubSpot's default pipeline with the
        company's first sales team, with no extra setup.
        """
        if not pipelines.filtered("team_id"):
            default = pipelines.filtered(lambda p: p.hubspot_id == "default")[:1] or pipelines[:1]
            team = self.env["crm.team"].search(
                [("company_id", "in", (company.id, False))], order="sequence, id", limit=1
            )
            if default and team:
                default.team_id = team
        if company.hubspot_stage_mapping_mode == "automatic":
            for pipeline in pipelines.filtered("team_id"):
                self._apply_automatic_stages(pipeline)

    @api.model
    def _apply_automatic_stages(self, pipeline):
        """Make the team's Odoo stages follow HubSpot's pipeline 1:1.

        Stages are created or renamed and ordered; the won stage is marked.
        Closed-lost has no stage: lost opportunities are archived with a reason,
        as Odoo does. Odoo stages are never deleted, so opportunities keep theirs.
        """
        stage_model = self.env["crm.stage"].sudo()
        for mapping in pipeline.stage_mapping_ids.sorted("sequence"):
            if mapping.is_lost:
                mapping.stage_id = False
                continue
            vals = {
                "name": mapping.name,
                "sequence": mapping.sequence,
                "is_won": mapping.is_won,
                "team_id": pipeline.team_id.id,
            }
            if mapping.stage_id:
                mapping.stage_id.write(vals)
            else:
                mapping.stage_id = stage_model.create(vals)
