from django.urls import path

from wallet.views import account, activity, cards

app_name = "wallet"

urlpatterns = [
    path("", account.WalletHomeView.as_view(), name="home"),
    path("resend/", account.WalletResendView.as_view(), name="resend"),
    path("confirm/<str:token>/", account.WalletConfirmView.as_view(), name="confirm"),
    path("confirm-password/", account.ConfirmPasswordView.as_view(), name="confirm-password"),
    path("cards/", cards.CardListView.as_view(), name="card-list"),
    path("cards/add/", cards.CardAddView.as_view(), name="card-add"),
    path("cards/<int:pk>/", cards.CardDetailView.as_view(), name="card-detail"),
    path("cards/<int:pk>/edit/", cards.CardEditView.as_view(), name="card-edit"),
    path("cards/<int:pk>/remove/", cards.CardRemoveView.as_view(), name="card-remove"),
    path(
        "cards/<int:pk>/default/",
        cards.CardMakeDefaultView.as_view(),
        name="card-make-default",
    ),
    path("activity/", activity.ActivityView.as_view(), name="activity"),
]
