def test_member_lands_on_village(client, world, auth):
    r = auth.login("0900000003")
    assert r.status_code == 302
    r = client.get("/", follow_redirects=True)
    assert r.status_code == 200
    assert "Thôn Vinh Thạnh 1" in r.text
    assert "VT1-001" in r.text
