from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from meaningflow.accounts import privacy_views, views

app_name = "accounts"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/form_page.html",
            success_url=reverse_lazy("accounts:password_change_done"),
            extra_context={"title": _("Change your password")},
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/message_page.html", extra_context={"title": _("Your password is changed.")}
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/form_page.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
            extra_context={"title": _("Reset your password")},
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="accounts/message_page.html",
            extra_context={
                "title": _("If an account uses this address, we have sent it a link to set a new password.")
            },
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/form_page.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
            extra_context={"title": _("Choose a new password")},
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/message_page.html",
            extra_context={"title": _("Your new password is set. You can log in now.")},
        ),
        name="password_reset_complete",
    ),
    path("2fa/", views.two_factor_verify, name="two_factor_verify"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("me/", views.dashboard, name="dashboard"),
    path("me/settings/", views.user_settings, name="settings"),
    path("me/identity/", views.identity, name="identity"),
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("me/skills/", views.skills, name="skills"),
    path("me/skills/options/", views.skill_options, name="skill_options"),
    path("me/skills/<str:code>/remove/", views.skill_remove, name="skill_remove"),
    path("me/availability/", views.availability, name="availability"),
    path("me/privacy/", privacy_views.privacy_home, name="privacy"),
    path("me/privacy/consents/<str:purpose>/", privacy_views.consent_change, name="consent_change"),
    path("me/privacy/export/", privacy_views.export_start, name="privacy_export"),
    path("me/privacy/export/ready/", privacy_views.export_ready, name="privacy_export_ready"),
    path("me/privacy/export/download/", privacy_views.export_download, name="privacy_export_download"),
    path("me/privacy/delete/", privacy_views.delete_account, name="privacy_delete"),
    path("deleted/", privacy_views.account_deleted, name="deleted"),
    path("me/tokens/", views.api_tokens, name="api_tokens"),
    path("me/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:organisation_id>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:organisation_id>/join/", views.organisation_join, name="organisation_join"),
    path(
        "organisations/<int:organisation_id>/members/<int:membership_id>/<str:action>/",
        views.membership_action,
        name="membership_action",
    ),
    path(
        "organisations/<int:organisation_id>/verification/<str:decision>/",
        views.organisation_verification,
        name="organisation_verification",
    ),
]
