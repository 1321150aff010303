from leadcourt.accounts import roles as role_names


def roles(request):
    """Expose the user's roles to templates, for navigation by role."""
    user_roles = role_names.user_roles(getattr(request, "user", None))
    return {
        "user_roles": user_roles,
        "is_rep": role_names.SALES_REP in user_roles,
        "is_marketer": role_names.MARKETER in user_roles,
        "is_judge": role_names.JUDGE in user_roles,
        "is_manager": role_names.MANAGER in user_roles,
    }
