from django.apps import AppConfig


class GraphQLConfig(AppConfig):
    name = "saleor_distribution.graphql"
    label = "distribution_graphql"
