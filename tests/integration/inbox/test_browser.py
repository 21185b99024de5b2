"""The inbox in a real headless Chromium (Debian's), as a panel member would use it."""

from __future__ import annotations

import time
from collections.abc import Callable

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.wait import WebDriverWait

from hub.inbox import audit, totp
from tests.integration.inbox.conftest import PASSWORD, Served, screenshot


def _wait(driver: webdriver.Chrome) -> WebDriverWait[webdriver.Chrome]:
    return WebDriverWait(driver, 15)


def sign_in(driver: webdriver.Chrome, served: Served, username: str, code: str = "") -> None:
    driver.get(served.url + "/login")
    secret = served.services.accounts.totp_secret(username)
    assert secret is not None
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "code").send_keys(code or totp.totp(secret, time.time()))
    before = driver.find_element(By.TAG_NAME, "h1")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    _wait(driver).until(ec.staleness_of(before))  # the answer to the post has replaced the page
    _wait(driver).until(ec.presence_of_element_located((By.TAG_NAME, "h1")))


def _h1(driver: webdriver.Chrome) -> str:
    assert_accessible_basics(driver)
    return driver.find_element(By.TAG_NAME, "h1").text


def assert_accessible_basics(driver: webdriver.Chrome) -> None:
    """What a screen reader relies on: a language, one h1, a skip link to <main>, and a
    label for every visible form control."""
    problems = driver.execute_script(
        """
        const out = [];
        if (!document.documentElement.lang) out.push('no lang on <html>');
        if (document.querySelectorAll('h1').length !== 1) out.push('not exactly one h1');
        const skip = document.querySelector('a.skip-link');
        if (!skip || !document.querySelector(skip.getAttribute('href') + '')) out.push('skip link');
        if (!document.querySelector('main#main')) out.push('no main landmark');
        for (const el of document.querySelectorAll('input, select, textarea')) {
            if (el.type === 'hidden') continue;
            if (!el.labels || el.labels.length === 0) out.push('unlabelled ' + (el.id || el.name));
        }
        return out;
        """
    )
    assert problems == [], f"{driver.current_url}: {problems}"


def test_nothing_without_signing_in_and_a_wrong_code_is_refused(
    browser: webdriver.Chrome, inbox: Served
) -> None:
    browser.get(inbox.url + f"/alerts/{inbox.alerts['iom']['alert_id']}")
    assert _h1(browser) == "Sign in"
    assert "/login" in browser.current_url
    screenshot(browser, "01-sign-in")
    sign_in(browser, inbox, "nav.lead", code="000000")
    assert _h1(browser) == "Sign in"
    assert "Sign-in failed" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text


def test_sign_in_see_own_alerts_open_one_and_open_the_identity(
    browser: webdriver.Chrome, inbox: Served
) -> None:
    sign_in(browser, inbox, "iom.lead")
    assert _h1(browser) == "Alerts for your panels"
    screenshot(browser, "02-alert-list")
    rows = browser.find_elements(By.CSS_SELECTOR, "#alerts tbody tr")
    ids = [r.find_element(By.TAG_NAME, "a").text for r in rows]
    assert ids == [inbox.alerts["iom"]["alert_id"], inbox.alerts["iom-old"]["alert_id"]]
    assert inbox.alerts["csh"]["alert_id"] not in browser.page_source

    # filter by rule
    browser.find_element(By.ID, "rule").send_keys("several_agencies")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    _wait(browser).until(ec.url_contains("rule=several_agencies"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#alerts tbody tr")
    assert [r.find_element(By.TAG_NAME, "a").text for r in rows] == [
        inbox.alerts["iom-old"]["alert_id"]
    ]

    browser.get(inbox.url + "/")
    browser.find_element(By.LINK_TEXT, inbox.alerts["iom"]["alert_id"]).click()
    _wait(browser).until(ec.presence_of_element_located((By.ID, "timeline")))
    timeline = browser.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")
    assert [r.find_elements(By.TAG_NAME, "td")[1].text for r in timeline] == [
        "police",
        "ed",
        "school",
    ]
    rules = browser.find_element(By.ID, "rules").text
    assert "prison_release: A scheduled or actual release from custody" in rules
    assert "Riley" not in browser.page_source
    assert_accessible_basics(browser)
    screenshot(browser, "03-alert")

    reason = browser.find_element(By.ID, "reason")
    reason.send_keys("IOM panel meeting: release plan")
    reason.submit()
    name = _wait(browser).until(ec.presence_of_element_located((By.ID, "identity-name")))
    assert name.text == "Riley Testperson"
    assert_accessible_basics(browser)
    screenshot(browser, "04-identity-opened")
    with inbox.services.store.engine.connect() as conn:
        opened = [r for r in audit.records(conn) if r.action == "identity.open"]
    assert any(
        r.actor == "iom.lead"
        and r.alert_id == inbox.alerts["iom"]["alert_id"]
        and r.detail["reason"] == "IOM panel meeting: release plan"
        for r in opened
    )
    assert inbox.services.store.verify_audit()[0] >= 1

    # acknowledge, then record an action, through the forms
    browser.get(inbox.url + f"/alerts/{inbox.alerts['iom']['alert_id']}")
    browser.find_element(By.ID, "acknowledge").click()
    _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "status"), "acknowledged"))
    browser.find_element(By.ID, "action").send_keys("referred")
    note = browser.find_element(By.ID, "action-note")
    note.send_keys("referred to probation")
    note.submit()
    _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "status"), "actioned"))
    assert "referred to probation" in browser.find_element(By.ID, "history").text


def test_guessing_another_panels_alert_fails(browser: webdriver.Chrome, inbox: Served) -> None:
    sign_in(browser, inbox, "engage.chair")
    assert [
        r.find_element(By.TAG_NAME, "a").text
        for r in browser.find_elements(By.CSS_SELECTOR, "#alerts tbody tr")
    ] == [inbox.alerts["engage"]["alert_id"]]
    other = inbox.alerts["csh"]["alert_id"]
    browser.get(inbox.url + f"/alerts/{other}")
    assert _h1(browser) == "Not found"
    assert "Casey" not in browser.page_source
    screenshot(browser, "05-not-found")
    status = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const me = await (await fetch('/api/me')).json();
        const r = await fetch('/api/alerts/' + arguments[0] + '/identity', {
            method: 'POST', headers: {'Content-Type': 'application/json',
                                      'X-CSRF-Token': me.csrf_token},
            body: JSON.stringify({reason: 'guessing another panel alert id'})});
        const listed = await (await fetch('/api/alerts/' + arguments[0])).status;
        done([r.status, listed]);
        """,
        other,
    )
    assert status == [404, 404]


def test_member_without_the_role_cannot_open_the_identity(
    browser: webdriver.Chrome, inbox: Served
) -> None:
    sign_in(browser, inbox, "iom.officer")
    alert_id = inbox.alerts["iom"]["alert_id"]
    browser.get(inbox.url + f"/alerts/{alert_id}")
    assert browser.find_element(By.ID, "no-identity-role").is_displayed()
    assert browser.find_elements(By.ID, "reason") == []
    result = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const me = await (await fetch('/api/me')).json();
        const r = await fetch('/api/alerts/' + arguments[0] + '/identity', {
            method: 'POST', headers: {'Content-Type': 'application/json',
                                      'X-CSRF-Token': me.csrf_token},
            body: JSON.stringify({reason: 'trying without the role please'})});
        done([r.status, await r.text()]);
        """,
        alert_id,
    )
    assert result[0] == 403
    assert "Riley" not in result[1]
    with inbox.services.store.engine.connect() as conn:
        denied = [r for r in audit.records(conn) if r.action == "identity.denied"]
    assert any(r.actor == "iom.officer" and r.alert_id == alert_id for r in denied)


def test_session_expires_after_idle_time(browser: webdriver.Chrome, short_inbox: Served) -> None:
    sign_in(browser, short_inbox, "iom.lead")
    assert _h1(browser) == "Alerts for your panels"
    time.sleep(short_inbox.services.settings.session_idle_s + 1.5)
    browser.get(short_inbox.url + f"/alerts/{short_inbox.alerts['iom']['alert_id']}")
    assert _h1(browser) == "Sign in"
    assert "session has ended" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    screenshot(browser, "06-session-ended")


def test_keyboard_only_and_tablet_width(
    browser_factory: Callable[..., webdriver.Chrome], inbox: Served
) -> None:
    tablet = browser_factory(768, 1024)
    tablet.get(inbox.url + "/login")
    body = tablet.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    first = tablet.switch_to.active_element
    assert first.text == "Skip to main content"
    assert first.value_of_css_property("left") == "0px"  # shown when focused
    first.send_keys(Keys.ENTER)
    assert tablet.execute_script("return document.activeElement.id") == "main"
    # fill and submit the form with the keyboard alone
    secret = inbox.services.accounts.totp_secret("csh.lead")
    assert secret is not None
    tablet.find_element(By.ID, "username").click()
    active = tablet.switch_to.active_element
    active.send_keys("csh.lead", Keys.TAB)
    tablet.switch_to.active_element.send_keys(PASSWORD, Keys.TAB)
    tablet.switch_to.active_element.send_keys(totp.totp(secret, time.time()), Keys.ENTER)
    _wait(tablet).until(ec.presence_of_element_located((By.ID, "alerts")))
    overflow = tablet.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    link = tablet.find_element(By.CSS_SELECTOR, "#alerts tbody a")
    link.send_keys(Keys.ENTER)
    _wait(tablet).until(ec.presence_of_element_located((By.ID, "timeline")))
    outline = tablet.execute_script(
        "const b = document.querySelector('#acknowledge'); b.focus();"
        "return getComputedStyle(b).outlineStyle"
    )
    assert outline == "solid"
    screenshot(tablet, "07-tablet-alert")
