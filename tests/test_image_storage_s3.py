"""Images on S3-compatible object storage (django-storages), against moto's S3 server on loopback.

For several machines the media storage is a bucket (README, "Images"); the same code stores
content-addressed files there and the media view serves them from it with the same headers.
Nothing here leaves 127.0.0.1.
"""

import boto3
import pytest
from moto.server import ThreadedMotoServer

from articles.content import images as pixels
from articles.models import ImageRendition
from articles.models import images as library

from . import images_helpers as make

pytestmark = pytest.mark.django_db
BUCKET = "editorial-media-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "location": "media",
                "default_acl": None,
                "file_overwrite": True,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
    }
    yield client
    for stored in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=stored["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_files_and_renditions_go_to_the_bucket_and_are_served_from_it(bucket, client):
    blob = library.store(pixels.clean("scan.jpg", make.jpeg_with_gps((700, 350), orientation=1), max_bytes=10**6))
    stored = bucket.get_object(Bucket=BUCKET, Key="media/" + blob.name)
    data = stored["Body"].read()
    assert data == blob.read() and make.exif_of(data) == {}
    assert stored["CacheControl"] == "public, max-age=31536000, immutable"

    response = client.get("/media/" + blob.name)
    assert response.status_code == 200 and response.content == data
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"

    rendition = client.get("/media/" + blob.rendition_name(320, "WEBP"))
    assert rendition.status_code == 200 and rendition["Content-Type"] == "image/webp"
    key = "media/" + blob.rendition_name(320, "WEBP")
    assert bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read() == rendition.content
    assert ImageRendition.objects.filter(file=blob).count() == 1


def test_a_replacement_in_the_bucket_keeps_the_old_object(bucket):
    first = library.store(pixels.clean("a.png", make.encoded("PNG", color="red"), max_bytes=10**6))
    second = library.store(pixels.clean("a.png", make.encoded("PNG", color="blue"), max_bytes=10**6))
    keys = {item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {"media/" + first.name, "media/" + second.name}


def test_an_object_missing_from_the_bucket_is_not_found_not_an_error(bucket, client):
    blob = library.store(pixels.clean("gone.png", make.encoded("PNG", color="green"), max_bytes=10**6))
    bucket.delete_object(Bucket=BUCKET, Key="media/" + blob.name)
    assert client.get("/media/" + blob.name).status_code == 404


def test_a_rendition_of_a_missing_source_is_not_found_not_an_error(bucket, client):
    blob = library.store(pixels.clean("gone.png", make.encoded("PNG", (500, 300), color="navy"), max_bytes=10**6))
    bucket.delete_object(Bucket=BUCKET, Key="media/" + blob.name)
    assert client.get("/media/" + blob.rendition_name(320, "WEBP")).status_code == 404
    assert not ImageRendition.objects.exists()
