import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_page_is_in_chinese(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "行政执法监督平台" in body
    assert 'lang="zh-Hans"' in body
