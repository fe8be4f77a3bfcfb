"""The public page publishes the agency's latest chain head, for anyone to keep."""

import pytest
from django.urls import reverse

from audit import seal
from audit.models import Anchor

pytestmark = pytest.mark.django_db


def test_the_public_page_shows_the_agencys_latest_chain_head(client, sample_year, agency):
    seal.anchor_chains()
    head = Anchor.objects.filter(chain=agency.pk).order_by("-seq").first()

    page = client.get(reverse("reports:public", args=[agency.slug, 2566])).content.decode()

    assert f'<code class="hash" data-value="seal">{bytes(head.seal).hex()}</code>' in page
    assert f'<dd data-value="rows">{head.seq}</dd>' in page
    assert reverse("reports:public-chain-heads", args=[agency.slug]) in page
