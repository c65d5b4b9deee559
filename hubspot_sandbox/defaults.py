"""What a fresh sandbox portal holds: standard properties, pipeline, owners.

The values follow HubSpot's documented defaults (default properties, pipelines, stages).
"""

PORTAL_ID = 24587913
HOME_CURRENCY = "USD"
# HubSpot-defined properties and pipelines exist "since forever"; new portals show these dates.
HUBSPOT_DEFINED_AT = "2019-08-06T02:41:52.000Z"
EPOCH_ISO = "1970-01-01T00:00:00Z"


OWNER_PROPERTY = "hubspot_owner_id"


def option_list(pairs):
    """Enumeration options in the shape of HubSpot's ``Option``, from ``(value, label)`` pairs."""
    return [
        {"label": label, "value": value, "displayOrder": order, "hidden": False, "description": ""}
        for order, (value, label) in enumerate(pairs)
    ]


BOOL_OPTIONS = option_list([("true", "Yes"), ("false", "No")])


def property_definition(
    name,
    label,
    prop_type="string",
    field_type="text",
    group="contactinformation",
    options=(),
    read_only=False,
    calculated=False,
    unique=False,
    hubspot_defined=True,
    description="",
    created_at=HUBSPOT_DEFINED_AT,
):
    """A property in the shape of HubSpot's Properties API ``Property``."""
    return {
        "name": name,
        "label": label,
        "type": prop_type,
        "fieldType": field_type,
        "groupName": group,
        "description": description,
        "options": list(options),
        "displayOrder": -1,
        "hidden": False,
        "hasUniqueValue": unique,
        "calculated": calculated,
        "externalOptions": name == OWNER_PROPERTY,
        "hubspotDefined": hubspot_defined,
        "formField": not read_only,
        "modificationMetadata": {
            "archivable": not hubspot_defined,
            "readOnlyDefinition": hubspot_defined,
            "readOnlyValue": read_only,
        },
        "createdAt": created_at,
        "updatedAt": created_at,
        "archived": False,
    }


def common_properties(group, created_property, modified_property):
    """Properties every object type has: system timestamps, ids and the owner."""
    return [
        property_definition(
            created_property, "Create Date", "datetime", "date", group, read_only=True
        ),
        property_definition(
            modified_property, "Last Modified Date", "datetime", "date", group, read_only=True
        ),
        property_definition("hs_object_id", "Record ID", "number", "number", group, read_only=True),
        property_definition(
            "hs_merged_object_ids", "Merged record IDs", "string", "text", group, read_only=True
        ),
        property_definition(
            OWNER_PROPERTY, "Owner", "enumeration", "select", group, description="Record owner"
        ),
    ]


def calculated(name, label, group="contactinformation", prop_type="number", options=()):
    """A read-only property HubSpot computes (from the record, its stage or its associations)."""
    field_type = "booleancheckbox" if prop_type == "bool" else prop_type
    return property_definition(
        name, label, prop_type, field_type, group, options, read_only=True, calculated=True
    )


# Text properties contacts and companies both have: (name, label, field type).
ADDRESS_FIELDS = [
    ("address", "Street Address", "text"),
    ("city", "City", "text"),
    ("zip", "Postal Code", "text"),
    ("state", "State/Region", "text"),
    ("country", "Country/Region", "text"),
]
LEAD_STATUS_OPTIONS = option_list(
    [
        ("NEW", "New"),
        ("OPEN", "Open"),
        ("IN_PROGRESS", "In Progress"),
        ("OPEN_DEAL", "Open Deal"),
        ("UNQUALIFIED", "Unqualified"),
        ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
        ("CONNECTED", "Connected"),
        ("BAD_TIMING", "Bad Timing"),
    ]
)
LIFECYCLE_STAGE_OPTIONS = option_list(
    [
        ("subscriber", "Subscriber"),
        ("lead", "Lead"),
        ("marketingqualifiedlead", "Marketing Qualified Lead"),
        ("salesqualifiedlead", "Sales Qualified Lead"),
        ("opportunity", "Opportunity"),
        ("customer", "Customer"),
        ("evangelist", "Evangelist"),
        ("other", "Other"),
    ]
)


def contact_properties():
    """The standard contact properties of a new portal."""
    text = [
        ("firstname", "First Name", "text"),
        ("lastname", "Last Name", "text"),
        ("email", "Email", "text"),
        ("phone", "Phone Number", "phonenumber"),
        ("mobilephone", "Mobile Phone Number", "phonenumber"),
        ("fax", "Fax Number", "phonenumber"),
        ("salutation", "Salutation", "text"),
        ("company", "Company Name", "text"),
        ("jobtitle", "Job Title", "text"),
        ("website", "Website URL", "text"),
        *ADDRESS_FIELDS,
    ]
    return [property_definition(n, label, field_type=f) for n, label, f in text] + [
        property_definition(
            "hs_lead_status", "Lead Status", "enumeration", "radio", options=LEAD_STATUS_OPTIONS
        ),
        property_definition(
            "lifecyclestage",
            "Lifecycle Stage",
            "enumeration",
            "radio",
            options=LIFECYCLE_STAGE_OPTIONS,
        ),
        property_definition(
            "hs_additional_emails",
            "Additional email addresses",
            "string",
            "textarea",
            read_only=True,
        ),
        calculated("associatedcompanyid", "Primary Associated Company ID"),
    ]


def deal_properties():
    """The standard deal properties of a new portal."""
    group = "dealinformation"
    return [
        property_definition("dealname", "Deal Name", group=group),
        property_definition("amount", "Amount", "number", "number", group),
        property_definition("closedate", "Close Date", "datetime", "date", group),
        property_definition("pipeline", "Pipeline", "enumeration", "select", group),
        property_definition("dealstage", "Deal Stage", "enumeration", "radio", group),
        property_definition(
            "deal_currency_code",
            "Currency",
            "enumeration",
            "select",
            group,
            options=option_list(
                [
                    ("EUR", "Euro"),
                    ("USD", "US Dollar"),
                    ("GBP", "British Pound"),
                    ("CHF", "Swiss Franc"),
                ]
            ),
        ),
        property_definition(
            "dealtype",
            "Deal Type",
            "enumeration",
            "select",
            group,
            options=option_list(
                [("newbusiness", "New Business"), ("existingbusiness", "Existing Business")]
            ),
        ),
        property_definition(
            "hs_priority",
            "Priority",
            "enumeration",
            "select",
            group,
            options=option_list([("low", "Low"), ("medium", "Medium"), ("high", "High")]),
        ),
        property_definition("description", "Deal Description", "string", "textarea", group),
        property_definition(
            "closed_lost_reason", "Closed Lost Reason", "string", "textarea", group
        ),
        property_definition("closed_won_reason", "Closed Won Reason", "string", "textarea", group),
        calculated("amount_in_home_currency", "Amount in company currency", group),
        calculated("hs_deal_stage_probability", "Deal probability", group),
        calculated("hs_is_closed", "Is Deal Closed?", group, "bool", BOOL_OPTIONS),
        calculated("hs_is_closed_won", "Is Closed Won", group, "bool", BOOL_OPTIONS),
        calculated("num_associated_contacts", "Number of Associated Contacts", group),
    ]


# A real subset of HubSpot's company ``industry`` options.
INDUSTRY_OPTIONS = option_list(
    [
        ("ACCOUNTING", "Accounting"),
        ("AUTOMOTIVE", "Automotive"),
        ("BANKING", "Banking"),
        ("BIOTECHNOLOGY", "Biotechnology"),
        ("BUILDING_MATERIALS", "Building Materials"),
        ("CHEMICALS", "Chemicals"),
        ("COMPUTER_HARDWARE", "Computer Hardware"),
        ("COMPUTER_SOFTWARE", "Computer Software"),
        ("CONSTRUCTION", "Construction"),
        ("CONSUMER_GOODS", "Consumer Goods"),
        ("FINANCIAL_SERVICES", "Financial Services"),
        ("FOOD_BEVERAGES", "Food & Beverages"),
        ("HOSPITAL_HEALTH_CARE", "Hospital & Health Care"),
        ("INFORMATION_TECHNOLOGY_AND_SERVICES", "Information Technology and Services"),
        ("INSURANCE", "Insurance"),
        ("INTERNET", "Internet"),
        ("LOGISTICS_AND_SUPPLY_CHAIN", "Logistics and Supply Chain"),
        ("MACHINERY", "Machinery"),
        ("MANAGEMENT_CONSULTING", "Management Consulting"),
        ("MARKETING_AND_ADVERTISING", "Marketing and Advertising"),
        ("MECHANICAL_OR_INDUSTRIAL_ENGINEERING", "Mechanical or Industrial Engineering"),
        ("RETAIL", "Retail"),
        ("TELECOMMUNICATIONS", "Telecommunications"),
        ("WHOLESALE", "Wholesale"),
    ]
)


def company_properties():
    """The standard company properties of a new portal."""
    group = "companyinformation"
    text = [
        ("name", "Name", "text"),
        ("domain", "Company Domain Name", "text"),
        ("website", "Website URL", "text"),
        ("phone", "Phone Number", "phonenumber"),
        *ADDRESS_FIELDS,
    ]
    return [property_definition(n, label, field_type=f, group=group) for n, label, f in text] + [
        property_definition(
            "industry", "Industry", "enumeration", "select", group, INDUSTRY_OPTIONS
        ),
        property_definition("description", "Description", "string", "textarea", group),
        property_definition("numberofemployees", "Number of Employees", "number", "number", group),
        property_definition("annualrevenue", "Annual Revenue", "number", "number", group),
        calculated("num_associated_contacts", "Number of Associated Contacts", group),
        calculated("num_associated_deals", "Number of Associated Deals", group),
    ]


def stage(stage_id, label, order, probability, is_closed=False, created_at=EPOCH_ISO):
    """A deal stage in HubSpot's ``PipelineStage`` shape (metadata values are strings)."""
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": {"isClosed": "true" if is_closed else "false", "probability": probability},
        "createdAt": created_at,
        "updatedAt": created_at,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def default_pipeline():
    """HubSpot's default "Sales Pipeline" (id ``default``)."""
    stages = [
        ("appointmentscheduled", "Appointment Scheduled", "0.2", False),
        ("qualifiedtobuy", "Qualified To Buy", "0.4", False),
        ("presentationscheduled", "Presentation Scheduled", "0.6", False),
        ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
        ("contractsent", "Contract Sent", "0.9", False),
        ("closedwon", "Closed Won", "1.0", True),
        ("closedlost", "Closed Lost", "0.0", True),
    ]
    return {
        "id": "default",
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "stages": [
            stage(sid, label, i, p, closed) for i, (sid, label, p, closed) in enumerate(stages)
        ],
        "createdAt": EPOCH_ISO,
        "updatedAt": EPOCH_ISO,
        "archived": False,
    }


DEFAULT_OWNERS = [
    {
        "id": "41629779",
        "email": "anna.schmidt@example.com",
        "firstName": "Anna",
        "lastName": "Schmidt",
    },
    {"id": "41629780", "email": "ben.carter@example.com", "firstName": "Ben", "lastName": "Carter"},
    {
        "id": "41629781",
        "email": "claire.dubois@example.com",
        "firstName": "Claire",
        "lastName": "Dubois",
    },
]
