from django.urls import path

from shop.views import cart, catalog, checkout, orders
from shop.views import help as help_views

app_name = "shop"

urlpatterns = [
    # catalog
    path("", catalog.HomeView.as_view(), name="home"),
    path("search/", catalog.SearchView.as_view(), name="search"),
    path("products/<slug:slug>/", catalog.ProductDetailView.as_view(), name="product-detail"),
    path("products/<slug:slug>/buy/", checkout.BuyNowView.as_view(), name="buy-now"),
    path("sellers/<slug:slug>/", catalog.SellerDetailView.as_view(), name="seller-detail"),
    # cart
    path("cart/", cart.CartView.as_view(), name="cart"),
    path("cart/add/<int:product_id>/", cart.CartAddView.as_view(), name="cart-add"),
    path("cart/lines/update/", cart.CartLinesUpdateView.as_view(), name="cart-lines-update"),
    path(
        "cart/lines/<int:line_id>/update/",
        cart.CartLineUpdateView.as_view(),
        name="cart-line-update",
    ),
    path(
        "cart/lines/<int:line_id>/remove/",
        cart.CartLineRemoveView.as_view(),
        name="cart-line-remove",
    ),
    # checkout and orders
    path("checkout/<slug:seller_slug>/", checkout.CheckoutView.as_view(), name="checkout"),
    path("orders/", orders.OrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", orders.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:number>/pay/", orders.OrderPayView.as_view(), name="order-pay"),
    path(
        "orders/<str:number>/pay/check/",
        orders.OrderPaymentCheckView.as_view(),
        name="order-pay-check",
    ),
    path(
        "orders/<str:number>/authenticate/",
        orders.OrderAuthenticateView.as_view(),
        name="order-authenticate",
    ),
    path("orders/<str:number>/cancel/", orders.OrderCancelView.as_view(), name="order-cancel"),
    # help
    path("help/", help_views.HelpView.as_view(), name="help"),
]
