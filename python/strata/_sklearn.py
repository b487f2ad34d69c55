"""scikit-learn pieces shared by strata's estimators, across scikit-learn versions."""
try:  # scikit-learn >= 1.2: get_feature_names_out (and set_output) from _n_features_out
    from sklearn.base import ClassNamePrefixFeaturesOutMixin as FeaturesOutMixin
except ImportError:  # pragma: no cover - older scikit-learn
    FeaturesOutMixin = object

try:  # scikit-learn >= 1.6 moved input validation out of BaseEstimator
    from sklearn.utils.validation import validate_data
except ImportError:
    def validate_data(estimator, X, **kwargs):
        return estimator._validate_data(X, **kwargs)

__all__ = ["FeaturesOutMixin", "validate_data"]
