"""Build what an admin change form would post back, from the form the page showed."""


def admin_form_data(form, **changes) -> dict:
    """Return the form's initial values (related rows by pk) with `changes` applied.

    The claim page's inlines (evidence, links) are posted empty.
    """
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or isinstance(value, list):
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for prefix in ("evidence", "links_from"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(changes)
    return data
