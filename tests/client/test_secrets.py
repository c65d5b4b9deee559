"""The access token never shows: not in logs, not in error messages, not in a repr."""

import logging

import pytest

from hubspot_connector.services import HubspotAuthError, HubspotNotFound, HubspotValidationError

from .client_support import TOKEN, make_client, seed_contacts


def test_token_never_appears_in_logs_errors_or_repr(sandbox, caplog):
    client = make_client(sandbox, max_tries=3)
    ids = seed_contacts(sandbox, 3)
    sandbox.set_faults(
        rules=[
            {"path": "/crm/v3/objects/contacts/batch/read", "kind": kind, "count": 1}
            for kind in ("429", "500", "drop")
        ]
    )
    texts = [repr(client)]
    with caplog.at_level(logging.DEBUG):
        client.batch_read("contacts", ids, ["email"])
        with pytest.raises(HubspotNotFound) as not_found:
            client.get_object("contacts", "999", [])
        texts += [str(not_found.value), repr(not_found.value)]
        failed = make_client(sandbox, token=TOKEN + "-revoked", max_tries=1)
        with pytest.raises(HubspotAuthError) as denied:
            failed.check_connection(("contacts", "deals"))
        texts += [str(denied.value), repr(denied.value), repr(failed)]
    assert "retry" in caplog.text  # the retries were logged...
    assert TOKEN not in caplog.text  # ...without the token
    assert not [text for text in texts if TOKEN in text]
    assert repr(client) == f"HubspotClient(base_url={sandbox.url!r})"


def test_token_echoed_by_the_server_is_scrubbed_from_the_error(scripted):
    echo = {"status": "error", "message": f"Bad token {TOKEN}", "category": "VALIDATION_ERROR"}
    server = scripted([(400, {}, echo)])
    with pytest.raises(HubspotValidationError) as caught:
        make_client(server).get_object("contacts", "1", [])
    assert TOKEN not in str(caught.value)
    assert "[token]" in str(caught.value)
    assert server.requests[0][2]["Authorization"] == f"Bearer {TOKEN}"
