"""Before the models load: the deal's customer becomes an association like any other.

Its field rule named a converter of its own for the contact alone; it now takes
the declared associations of deals, the contact and else the company.
"""


def migrate(cr, version):
    cr.execute(
        """UPDATE hubspot_field_mapping
              SET converter = 'association',
                  hubspot_property = 'associations.contacts,associations.companies'
            WHERE object_type = 'deals' AND converter = 'deal_contact'"""
    )
