import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from jiandu.accounts.choices import Role


@pytest.mark.django_db
def test_home_asks_for_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.django_db
def test_home_page_is_in_chinese(staff_client):
    response = staff_client(Role.LEADER).get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "行政执法监督平台" in body
    assert 'lang="zh-Hans"' in body
